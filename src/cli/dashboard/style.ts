/** The dashboard's stylesheet: compact cards in a grid, one section per application, so 50 sockets fit in two screens or so. */
export const DASHBOARD_CSS = `:root { font: 12px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a202c; background: #f4f6f8; }
body { margin: 0; }
header { position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: baseline; padding: 6px 12px; background: #1a202c; color: #e2e8f0; }
header h1 { font-size: 14px; margin: 0; }
#estp-url { font-family: ui-monospace, monospace; }
.status { color: #f6ad55; }
.status.live { color: #68d391; }
#errors { margin: 8px 12px 0; padding: 5px 10px; background: #fff5f5; border: 1px solid #feb2b2; border-radius: 4px; }
#errors.none { background: #f0fff4; border-color: #9ae6b4; }
#errors h2 { font-size: 12px; margin: 0 0 2px; }
#errors ul { margin: 0; padding-left: 16px; }
#errors.none ul { list-style: none; padding-left: 0; }
#notes { margin: 6px 12px 0; color: #975a16; }
#notes:empty { display: none; }
#empty { color: #4a5568; }
main { padding: 0 12px 12px; }
section.app { margin-top: 10px; }
section.app h2 { font-size: 13px; margin: 0 0 4px; display: flex; gap: 8px; align-items: baseline; }
section.app h2 .host, section.app h2 .count { font-weight: normal; color: #4a5568; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 6px; }
.card { background: #fff; border: 1px solid #e2e8f0; border-radius: 4px; padding: 4px 6px 5px; min-width: 0; }
.card.failing { border-color: #fc8181; }
.card.quiet { opacity: 0.55; }
.card h3 { font-size: 12px; margin: 0 0 2px; display: flex; justify-content: space-between; gap: 6px; }
.card h3 .socket { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.card h3 .age { font-weight: normal; color: #718096; white-space: nowrap; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 3px 8px; }
figure { margin: 0; min-width: 0; }
figcaption { font-size: 11px; color: #4a5568; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
figcaption b { font-weight: 600; color: #2d3748; margin-right: 4px; }
figcaption span { margin-right: 4px; }
canvas { display: block; width: 100%; height: 30px; }
.ep-errors { margin: 3px 0 0; color: #c53030; font-size: 11px; overflow-wrap: anywhere; }
.ep-errors:empty { display: none; }
footer { padding: 4px 12px 12px; color: #718096; }
`;
