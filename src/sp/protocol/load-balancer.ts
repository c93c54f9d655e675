/**
 * Sending to one of many pipes (nanomsg's lb): the highest send priority that has a writable
 * pipe, round robin within it. A pipe that fills its send buffer leaves the list until it
 * drains. PUSH and REQ report the priority in use as current_snd_priority.
 */
import type { PipeState } from './pipe-state.js';
import { PriorityList } from './priority-list.js';
import type { ProtocolHost } from './protocol.js';

export class LoadBalancer<S extends PipeState = PipeState> {
  private readonly writable = new PriorityList<S>();

  constructor(
    private readonly host: ProtocolHost,
    private readonly reportsPriority: boolean,
  ) {}

  get canSend(): boolean {
    return !this.writable.isEmpty;
  }

  /** A pipe was attached, or drained after being full. */
  add(state: S): void {
    const pipe = state.pipe;
    if (state.inWritable || !state.attached || pipe.isClosed || !pipe.writable) return;
    state.inWritable = true;
    this.writable.add(state, pipe.sendPriority);
    if (this.reportsPriority) this.host.stats.currentSndPriority = this.writable.currentPriority;
  }

  remove(state: S): void {
    if (!state.inWritable) return;
    state.inWritable = false;
    this.writable.remove(state, state.pipe.sendPriority);
    if (this.reportsPriority) this.host.stats.currentSndPriority = this.writable.currentPriority;
  }

  /** Send to the pipe whose turn it is; undefined when no pipe is writable. */
  send(header: Uint8Array, body: Uint8Array): S | undefined {
    const state = this.writable.peek();
    if (!state) return undefined;
    const pipe = state.pipe;
    pipe.send(header, body);
    if (pipe.writable) {
      this.writable.advance();
    } else {
      // nanomsg does not refresh current_snd_priority here, only on "out" and removal
      state.inWritable = false;
      this.writable.remove(state, pipe.sendPriority);
    }
    return state;
  }
}
