/**
 * Running a command in a real terminal, and what a user would then see. `startInTerminal`
 * runs it under script(1) (util-linux) in a pseudo-terminal of a chosen size, so the command
 * sees a TTY with those columns and rows and can be sent keys; `Screen` replays what it wrote
 * the way a terminal does (line wrap at the width, scrolling, the cursor and erase codes), so a
 * test can look at the screen and the scrollback: what was wiped, what wrapped, what stayed.
 */
import { describe, it } from 'vitest';
import { hasCommand, startPeer, type Peer } from './peers.js';

/** ESC [ parameters final-byte. */
const CSI = /^\x1b\[([0-9;?]*)([A-Za-z])/;

export class Screen {
  /** Scrollback and screen; the screen is the last `rows` lines. */
  private readonly lines: string[][] = [[]];
  private row = 0;
  private col = 0;
  /** Characters written past the last column, which the terminal wrapped onto a new line. */
  wraps = 0;
  /** Escape sequences this screen does not know (a test should expect none). */
  readonly unknown: string[] = [];
  /** Full-screen clears (ESC [ 2 J) and cursor-home (ESC [ H) codes seen. */
  clears = 0;

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {}

  private get top(): number {
    return Math.max(0, this.lines.length - this.rows);
  }

  private lineFeed(): void {
    this.row++;
    if (this.row === this.lines.length) this.lines.push([]);
  }

  private put(char: string): void {
    if (this.col >= this.columns) {
      this.wraps++;
      this.col = 0;
      this.lineFeed();
    }
    const line = this.lines[this.row]!;
    while (line.length < this.col) line.push(' ');
    line[this.col++] = char;
  }

  private csi(params: string, final: string): void {
    const n = Number(params.split(';')[0] || '1');
    const line = this.lines[this.row]!;
    switch (final) {
      case 'A':
      case 'F':
        this.row = Math.max(this.top, this.row - n);
        if (final === 'F') this.col = 0;
        return;
      case 'K':
        if (params === '2') line.length = 0;
        else if (params === '' || params === '0') line.length = Math.min(line.length, this.col);
        else this.unknown.push(`ESC[${params}K`);
        return;
      case 'J':
        if (params === '2') {
          this.clears++;
          for (let i = this.top; i < this.lines.length; i++) this.lines[i] = [];
          return;
        }
        line.length = Math.min(line.length, this.col);
        for (let i = this.row + 1; i < this.lines.length; i++) this.lines[i] = [];
        return;
      case 'H':
        this.clears++;
        this.row = this.top;
        this.col = 0;
        return;
      case 'm':
        return; // colours and dimming do not change the text
      default:
        this.unknown.push(`ESC[${params}${final}`);
    }
  }

  write(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const char = text[i]!;
      if (char === '\x1b') {
        const m = CSI.exec(text.slice(i));
        if (!m) {
          this.unknown.push(JSON.stringify(text.slice(i, i + 4)));
          continue;
        }
        this.csi(m[1]!, m[2]!);
        i += m[0].length - 1;
      } else if (char === '\r') this.col = 0;
      else if (char === '\n') this.lineFeed();
      else if (char === '\b') this.col = Math.max(0, this.col - 1);
      else if (char >= ' ' || char === '…') this.put(char);
      else this.unknown.push(JSON.stringify(char));
    }
  }

  /** Every line, scrollback included, without trailing spaces. */
  text(): string[] {
    return this.lines.map((l) => l.join('').trimEnd());
  }

  /** The lines on screen now. */
  visible(): string[] {
    return this.text().slice(this.top);
  }
}

export interface TerminalRun {
  peer: Peer;
  screen: Screen;
  /** Everything the command wrote, escape codes included. */
  raw(): string;
  /** Resolves once `test` passes on the screen; rejects with the screen if the command ends first or on timeout. */
  until(test: (screen: Screen) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Type `keys` into the terminal. */
  type(keys: string): void;
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** True when script(1) can give commands a terminal. */
export const hasTerminal = (): boolean => hasCommand('script') && hasCommand('stty');

/** `describe` for tests that need a terminal: without script(1), a failure under CI, else skipped with a notice. */
export function describeTerminal(name: string, body: () => void): void {
  if (hasTerminal()) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it('needs script(1)', () => {
        throw new Error('script(1) or stty is missing; CI must run: apt-get install -y util-linux coreutils');
      });
    });
  } else {
    console.warn(`[nanosp tests] skipping "${name}": script(1) is not installed (apt-get install -y util-linux)`);
    describe.skip(name, body);
  }
}

/** Run `command args` in a `columns` × `rows` terminal; it is killed after the current test like any peer. */
export function startInTerminal(command: string, args: readonly string[], { columns, rows }: { columns: number; rows: number }): TerminalRun {
  const line = `stty cols ${columns} rows ${rows} && exec ${[command, ...args].map(quote).join(' ')}`;
  // -q: no "Script started" lines; -e: script's status is the command's; -f: flush at once
  const peer = startPeer('script', ['-qef', '-c', line, '/dev/null']);
  const screen = new Screen(columns, rows);
  let raw = '';
  const checks = new Set<() => void>();
  peer.child.stdout.on('data', (text: string) => {
    raw += text;
    screen.write(text);
    for (const check of checks) check();
  });
  const until = (test: (screen: Screen) => boolean, what: string, timeoutMs = 15_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const done = () => {
        checks.delete(check);
        peer.child.stdout.off('close', ended);
        clearTimeout(timer);
      };
      const fail = (why: string) => {
        done();
        reject(new Error(`${why} waiting for ${what}; screen:\n${screen.visible().join('\n')}\nstderr ${JSON.stringify(peer.stderr)}`));
      };
      const check = () => {
        if (!test(screen)) return;
        done();
        resolve();
      };
      const ended = () => fail('the terminal closed');
      const timer = setTimeout(() => fail(`${timeoutMs} ms passed`), timeoutMs);
      checks.add(check);
      peer.child.stdout.once('close', ended);
      check();
    });
  return { peer, screen, raw: () => raw, until, type: (keys) => void peer.child.stdin.write(keys) };
}
