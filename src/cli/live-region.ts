/**
 * A block of lines at the bottom of a terminal that is redrawn in place: each draw moves the
 * cursor up over the lines drawn last time, clearing each (cursor-up and clear-line codes),
 * and writes the new ones. Everything above the block (a demo's tour, the shell's history)
 * stays, unlike a clear-screen redraw. It works while every line fits the width (a wrapped line
 * would take two rows) and the block fits the height (the cursor cannot go above the screen):
 * the views are fitted to both.
 */

/** Up one line, then clear it. */
const UP_AND_CLEAR = '\x1b[1A\x1b[2K';

export class LiveRegion {
  private drawn = '';

  constructor(private readonly write: (text: string) => void) {}

  /** Replace the block with `text` (whole lines, each ending with LF). */
  draw(text: string): void {
    this.write(this.erase() + text);
    this.drawn = text;
  }

  /** Print `text` (whole lines) for good above the block, which is drawn again below it. */
  printAbove(text: string): void {
    this.write(this.erase() + text + this.drawn);
  }

  private erase(): string {
    return UP_AND_CLEAR.repeat(this.drawn.split('\n').length - 1);
  }
}
