/**
 * A pipe over a transport that cannot stop its peer sending (inproc, a browser's WebSocket):
 * what arrives waits in an inbox of its own, and is handed to the protocol once the pipe runs
 * and for as long as the protocol has not paused it. Subclasses put payloads in with
 * `arrive()` and call `deliver()` when they may be handed on.
 */
import type { Bytes } from './bytes.js';
import { Pipe } from './pipe.js';
import { Queue } from './queue.js';

export abstract class InboxPipe extends Pipe {
  /** Messages from the peer not yet handed to our protocol. */
  protected readonly inbox = new Queue<Bytes>();
  /** Bytes in `inbox`. */
  protected inboxBytes = 0;
  private running = false;
  protected paused = false;

  run(): void {
    this.running = true;
    this.deliver();
  }

  pauseReading(): void {
    this.paused = true;
  }

  resumeReading(): void {
    this.paused = false;
    this.deliver();
  }

  /** Keep one payload from the peer (counted toward `inboxBytes`). */
  protected arrive(payload: Bytes): void {
    this.inbox.push(payload);
    this.inboxBytes += payload.length;
  }

  /** Hand waiting messages to the protocol, until it pauses us. */
  deliver(): void {
    while (this.running && !this.paused && !this.closed && this.inbox.length > 0) {
      const payload = this.inbox.shift() as Bytes;
      this.inboxBytes -= payload.length;
      this.stats.messagesReceived++;
      this.stats.bytesReceived += payload.length;
      this.sink?.pipeMessage(this, payload);
    }
  }

  /** Forget what waits (the pipe closed). */
  protected dropInbox(): void {
    this.inbox.clear();
    this.inboxBytes = 0;
  }
}
