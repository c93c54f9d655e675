/**
 * Sending to every pipe at once (nanomsg's dist, for PUB, SURVEYOR and BUS): each message
 * goes to the pipes that can take it now; a pipe whose send buffer is full misses it.
 * Never blocks.
 *
 * A pipe found full is set aside until its transport says it drained (pipeWritable, which a
 * transport owes once `writable` said false), so a message costs nothing for subscribers that
 * stopped reading: beside 50 stalled subscribers, asking each one on every message took half a
 * PUB's time. Pipes are kept unordered, so one leaving costs O(1) even with thousands.
 */
import { shareBody } from '../message.js';
import type { Pipe } from '../pipe.js';

export class Distributor {
  /** Pipes that took the last message offered to them. */
  private readonly ready: Pipe[] = [];
  /** Each ready pipe's place in `ready`. */
  private readonly places = new Map<Pipe, number>();
  /** Pipes that were full, until they drain. */
  private readonly full = new Set<Pipe>();

  get size(): number {
    return this.ready.length + this.full.size;
  }

  add(pipe: Pipe): void {
    this.places.set(pipe, this.ready.length);
    this.ready.push(pipe);
  }

  remove(pipe: Pipe): void {
    if (!this.full.delete(pipe)) this.unlist(pipe);
  }

  /** The pipe can take messages again (the protocol's `drained`). */
  drained(pipe: Pipe): void {
    if (this.full.delete(pipe)) this.add(pipe);
  }

  /** Send to every writable pipe except `except`; returns how many took it. */
  send(header: Uint8Array, body: Uint8Array, except?: Pipe): number {
    // several pipes get this body: no inproc receiver may take it as its own
    shareBody(body);
    const ready = this.ready;
    let sent = 0;
    for (let i = 0; i < ready.length; ) {
      const pipe = ready[i] as Pipe;
      if (pipe === except) {
        i++;
      } else if (pipe.writable) {
        pipe.send(header, body);
        sent++;
        i++;
      } else {
        // the last pipe moves into place i, which is looked at next
        this.unlist(pipe);
        this.full.add(pipe);
      }
    }
    return sent;
  }

  /** Take `pipe` out of `ready` by moving the last one into its place. */
  private unlist(pipe: Pipe): void {
    const at = this.places.get(pipe);
    if (at === undefined) return;
    this.places.delete(pipe);
    const last = this.ready.pop() as Pipe;
    if (last === pipe) return;
    this.ready[at] = last;
    this.places.set(last, at);
  }
}
