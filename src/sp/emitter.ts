/**
 * A small typed event emitter for the core, with the method names of Node's EventEmitter
 * (`on`, `once`, `off`, `emit`, …) so that Node's `events.once(socket, 'pipe')` and code written
 * for EventEmitter keep working, and with no platform module behind it. As there, a listener
 * that throws stops the emit and the error reaches the emitter's caller. Unlike it, there is no
 * 'error' special case, no 'newListener' event and no listener limit: sockets need none.
 */

type Listener<A extends unknown[]> = (...args: A) => void;

interface Entry {
  readonly listener: (...args: never[]) => void;
  readonly once: boolean;
}

export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listenerMap = new Map<keyof Events, Entry[]>();

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.add(event, listener, false, false);
  }

  addListener<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.add(event, listener, false, false);
  }

  prependListener<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.add(event, listener, false, true);
  }

  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.add(event, listener, true, false);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    const entries = this.listenerMap.get(event);
    if (!entries) return this;
    // the last one added goes first, as EventEmitter removes it
    for (let i = entries.length - 1; i >= 0; i--) {
      if ((entries[i] as Entry).listener === (listener as unknown)) return this.drop(event, entries[i] as Entry);
    }
    return this;
  }

  removeListener<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.off(event, listener);
  }

  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.listenerMap.clear();
    else this.listenerMap.delete(event);
    return this;
  }

  /** How many listeners `event` has (of `listener` only, when given). */
  listenerCount<K extends keyof Events>(event: K, listener?: Listener<Events[K]>): number {
    const entries = this.listenerMap.get(event) ?? [];
    return listener === undefined ? entries.length : entries.filter((entry) => entry.listener === (listener as unknown)).length;
  }

  prependOnceListener<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.add(event, listener, true, true);
  }

  eventNames(): (keyof Events)[] {
    return [...this.listenerMap.keys()];
  }

  rawListeners<K extends keyof Events>(event: K): Listener<Events[K]>[] {
    return this.listeners(event);
  }

  /** Kept for EventEmitter's shape: there is no listener limit to warn about. */
  setMaxListeners(_n: number): this {
    return this;
  }

  getMaxListeners(): number {
    return Infinity;
  }

  listeners<K extends keyof Events>(event: K): Listener<Events[K]>[] {
    return (this.listenerMap.get(event) ?? []).map((entry) => entry.listener as unknown as Listener<Events[K]>);
  }

  /** Call each listener of `event` in order; true if there was any. */
  emit<K extends keyof Events>(event: K, ...args: Events[K]): boolean {
    const entries = this.listenerMap.get(event);
    if (!entries) return false;
    // the array is replaced, never changed, when listeners come and go: this loop is stable
    for (const entry of entries) {
      if (entry.once) this.drop(event, entry);
      (entry.listener as unknown as Listener<Events[K]>).apply(this, args);
    }
    return true;
  }

  /** Remove this one entry (not another with the same listener: once and on may share one). */
  private drop(event: keyof Events, entry: Entry): this {
    const entries = this.listenerMap.get(event);
    const index = entries ? entries.indexOf(entry) : -1;
    if (!entries || index < 0) return this;
    const rest = entries.slice();
    rest.splice(index, 1);
    if (rest.length === 0) this.listenerMap.delete(event);
    else this.listenerMap.set(event, rest);
    return this;
  }

  private add<K extends keyof Events>(event: K, listener: Listener<Events[K]>, once: boolean, first: boolean): this {
    if (typeof listener !== 'function') throw new TypeError(`the listener for ${String(event)} must be a function`);
    const entries = this.listenerMap.get(event) ?? [];
    const entry: Entry = { listener: listener as unknown as (...args: never[]) => void, once };
    this.listenerMap.set(event, first ? [entry, ...entries] : [...entries, entry]);
    return this;
  }
}
