/**
 * What `nanosp stat` shows (not --json): the compact table, or with `--detail` every metric,
 * drawn every second and at the end. On a terminal it is redrawn in place (LiveRegion), fitted
 * to the terminal's width and height (again after a resize), stale sockets dimmed, and keys
 * work: d switches between the table and the detail, q or Ctrl-C quits. Elsewhere (a pipe, a
 * file) each drawing is appended as plain 80-column text.
 */
import type { EstpRecord } from '../estp/index.js';
import { CTRL_C, watchKeys } from './keys.js';
import { LiveRegion } from './live-region.js';
import { renderTable } from './stat-table.js';
import { StatView, type ViewLayout } from './stat-view.js';
import { terminalSize } from './terminal.js';

const REFRESH_MS = 1000;

export interface StatScreenOptions {
  /** Start with the detail view. */
  detail: boolean;
  /** --stale-after: a fixed stale time in ms. */
  staleAfterMs?: number;
  /** Called when the user asks to quit (q, Ctrl-C). */
  onQuit: () => void;
}

export class StatScreen {
  private readonly view: StatView;
  private detail: boolean;
  private readonly region: LiveRegion | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly stopKeys: (() => void) | undefined;
  private readonly redraw = () => this.draw();

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly title: string,
    options: StatScreenOptions,
  ) {
    this.view = new StatView({ staleAfterMs: options.staleAfterMs });
    this.detail = options.detail;
    this.timer = setInterval(this.redraw, REFRESH_MS);
    if (!terminalSize(out).tty) return;
    this.region = new LiveRegion((text) => out.write(text));
    out.on('resize', this.redraw);
    this.stopKeys = watchKeys((key) => {
      if (key === 'q' || key === CTRL_C) options.onQuit();
      if (key !== 'd') return;
      this.detail = !this.detail;
      this.draw();
    });
  }

  add(record: EstpRecord): void {
    this.view.add(record);
  }

  bad(reason: string): void {
    this.view.bad(reason);
  }

  draw(): void {
    const size = terminalSize(this.out);
    const layout: ViewLayout = { width: size.width, height: size.height, color: size.tty };
    if (this.stopKeys) layout.hint = this.detail ? '(d: table, q: quit)' : '(d: detail, q: quit)';
    const text = this.detail ? this.view.render(this.title, layout) : renderTable(this.view, this.title, layout);
    if (this.region) this.region.draw(text);
    else this.out.write(text);
  }

  /** Stop refreshing, give the keyboard back, and draw once more: that drawing stays. */
  close(): void {
    clearInterval(this.timer);
    this.out.off('resize', this.redraw);
    this.stopKeys?.();
    this.draw();
  }
}
