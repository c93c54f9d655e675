/**
 * Sending to one of many pipes (nanomsg's lb): the highest send priority that has a writable
 * pipe, round robin within it. A pipe that fills its send buffer leaves the list until it
 * drains. PUSH and REQ report the priority in use as current_snd_priority.
 */
import type { Pipe } from '../pipe.js';
import { PriorityList } from './priority-list.js';
import type { ProtocolHost } from './protocol.js';

export class LoadBalancer {
  private readonly writable = new PriorityList();

  constructor(
    private readonly host: ProtocolHost,
    private readonly reportsPriority: boolean,
  ) {}

  get canSend(): boolean {
    return !this.writable.isEmpty;
  }

  /** A pipe was attached, or drained after being full. */
  add(pipe: Pipe): void {
    if (pipe.inWritable || pipe.isClosed || !pipe.writable) return;
    pipe.inWritable = true;
    this.writable.add(pipe, pipe.sendPriority);
    if (this.reportsPriority) this.host.stats.currentSndPriority = this.writable.currentPriority;
  }

  remove(pipe: Pipe): void {
    if (!pipe.inWritable) return;
    pipe.inWritable = false;
    this.writable.remove(pipe, pipe.sendPriority);
    if (this.reportsPriority) this.host.stats.currentSndPriority = this.writable.currentPriority;
  }

  /** Send to the pipe whose turn it is; undefined when no pipe is writable. */
  send(header: Buffer, body: Buffer): Pipe | undefined {
    const pipe = this.writable.peek();
    if (!pipe) return undefined;
    pipe.send(header, body);
    if (pipe.writable) {
      this.writable.advance();
    } else {
      // nanomsg does not refresh current_snd_priority here, only on "out" and removal
      pipe.inWritable = false;
      this.writable.remove(pipe, pipe.sendPriority);
    }
    return pipe;
  }
}
