/**
 * Sending to every pipe at once (nanomsg's dist, for PUB, SURVEYOR and BUS): each message
 * goes to the pipes that can take it now; a pipe whose send buffer is full misses it.
 * Never blocks.
 */
import type { Pipe } from '../pipe.js';

export class Distributor {
  private readonly pipes: Pipe[] = [];

  get size(): number {
    return this.pipes.length;
  }

  add(pipe: Pipe): void {
    this.pipes.push(pipe);
  }

  remove(pipe: Pipe): void {
    const index = this.pipes.indexOf(pipe);
    if (index >= 0) this.pipes.splice(index, 1);
  }

  /** Send to every writable pipe except `except`; returns how many took it. */
  send(header: Uint8Array, body: Uint8Array, except?: Pipe): number {
    let sent = 0;
    for (const pipe of this.pipes) {
      if (pipe === except || !pipe.writable) continue;
      pipe.send(header, body);
      sent++;
    }
    return sent;
  }
}
