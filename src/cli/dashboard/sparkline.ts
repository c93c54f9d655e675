/**
 * The dashboard's chart, as page script text: a sparkline drawn on a canvas by our own few
 * lines (no chart library). Lines are right-aligned — the newest point at the right edge,
 * one slot per report — so a chart moves one step with each report; the scale runs from 0 to
 * a little above the largest value shown, which is written in the corner.
 */
export const SPARKLINE_JS = String.raw`
/** Draw lines [{ values, color }] in 'slots' places on 'canvas'; returns the largest value. */
function drawSparkline(canvas, lines, slots, format) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, width, height);
  let max = 0;
  for (const line of lines) for (const v of line.values) if (v > max) max = v;
  const top = max > 0 ? max * 1.15 : 1;
  const pad = 2 * ratio;
  const step = width / Math.max(1, slots - 1);
  const y = (v) => height - pad - (Math.max(0, v) / top) * (height - 2 * pad);
  ctx.lineWidth = ratio;
  ctx.strokeStyle = '#e2e8f0';
  ctx.beginPath();
  ctx.moveTo(0, Math.round(y(0)) + 0.5);
  ctx.lineTo(width, Math.round(y(0)) + 0.5);
  ctx.stroke();
  for (const line of lines) {
    const n = line.values.length;
    if (n === 0) continue;
    ctx.strokeStyle = line.color;
    ctx.fillStyle = line.color;
    if (n === 1) {
      ctx.fillRect(width - 2 * ratio, y(line.values[0]) - ratio, 2 * ratio, 2 * ratio);
      continue;
    }
    ctx.lineWidth = 1.5 * ratio;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const x = width - (n - 1 - i) * step;
      if (i === 0) ctx.moveTo(x, y(line.values[i]));
      else ctx.lineTo(x, y(line.values[i]));
    }
    ctx.stroke();
  }
  if (max > 0) {
    ctx.font = 9 * ratio + 'px system-ui, sans-serif';
    ctx.fillStyle = '#718096';
    ctx.textBaseline = 'top';
    ctx.fillText(format(max), ratio, ratio);
  }
  return max;
}
`;
