/**
 * Handles on the two helper processes of the memory measurement, each started once, ahead of
 * the windows (a start-up under tsx takes a second or two of CPU that must not fall into one),
 * and idle until used:
 *
 * - SenderProcess (sender.ts): the sender, one socket at a time, so that the memory it
 *   reports is that socket's;
 * - StalledSubscribers (stalled.ts): N SUBs that connect to one PUB at a time and never read.
 */
import { Child } from './child.js';
import type { FloodReport } from './sender.js';
import type { Place } from './transports.js';

/** Resolves once `child` said `line`, without an unhandled rejection if nobody waits. */
function whenSaid(child: Child, line: string): Promise<string> {
  const said = child.line(line);
  said.catch(() => undefined); // reported to whoever awaits it
  return said;
}

export class SenderProcess {
  private readonly child = new Child('./sender.ts');
  private readonly up = whenSaid(this.child, 'waiting');

  /** Resolves once the process is up, and idle. */
  async started(): Promise<void> {
    await this.up;
  }

  /** Bind a socket of `type` at `place`; resolves with the URL it bound. */
  async open(type: 'pub' | 'push' | 'pair', place: Place): Promise<string> {
    await this.up;
    const certs = place.certs ? ` ${place.certs.certFile} ${place.certs.keyFile}` : '';
    return this.child.ask(`open ${type} ${place.bindUrl}${certs}`, 'bound');
  }

  /** Resolves once the socket has `n` pipes (said after `open`, or after the last command). */
  async pipes(n: number): Promise<void> {
    await this.child.line(`pipes ${n}`);
  }

  /** Run `command` (`flood <ms>` or `fill <ms>`): `onStart` when it starts offering, the report when done. */
  async flood(command: string, onStart: () => void): Promise<FloodReport> {
    await this.child.ask(command, 'flooding');
    onStart();
    return JSON.parse(await this.child.line('flooded')) as FloodReport;
  }

  /** Close the socket; the process stays, for the next one. */
  async close(): Promise<void> {
    await this.child.ask('close', 'closed');
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

export class StalledSubscribers {
  private readonly child: Child;
  private readonly up: Promise<string>;

  constructor(readonly count: number) {
    this.child = new Child('./stalled.ts', [String(count)]);
    this.up = whenSaid(this.child, 'waiting');
  }

  /** Resolves once the process is up, and idle. */
  async started(): Promise<void> {
    await this.up;
  }

  async connect(url: string, caFile: string | undefined): Promise<void> {
    await this.child.ask(caFile ? `connect ${url} ${caFile}` : `connect ${url}`, `ready ${this.count}`);
  }

  /** Close them all; the process stays, for the next PUB. */
  async close(): Promise<void> {
    await this.child.ask('close', 'closed');
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
