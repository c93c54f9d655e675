/**
 * A FIFO on a growable ring, for the per-pipe inboxes and the waiter lists on the hot path:
 * `Array.prototype.shift` is O(n) once an array leaves V8's fast paths, this stays O(1).
 */
export class Queue<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(capacity = 16) {
    // a power of two, so wrapping is a mask
    let size = 16;
    while (size < capacity) size *= 2;
    this.items = new Array<T | undefined>(size);
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** Remove one item wherever it is (a waiter that timed out); O(n), off the hot path. */
  remove(item: T): boolean {
    const mask = this.items.length - 1;
    for (let i = 0; i < this.count; i++) {
      if (this.items[(this.head + i) & mask] !== item) continue;
      for (let j = i; j < this.count - 1; j++) {
        this.items[(this.head + j) & mask] = this.items[(this.head + j + 1) & mask];
      }
      this.items[(this.head + this.count - 1) & mask] = undefined;
      this.count--;
      return true;
    }
    return false;
  }

  /** Keep only the items `keep` accepts, in order; returns those removed. O(n), off the hot path. */
  filter(keep: (item: T) => boolean): T[] {
    const removed: T[] = [];
    const kept: T[] = [];
    this.drain((item) => (keep(item) ? kept : removed).push(item));
    for (const item of kept) this.push(item);
    return removed;
  }

  /** Empty the queue, handing each item to `each` in order. */
  drain(each: (item: T) => void): void {
    while (this.count > 0) each(this.shift() as T);
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const old = this.items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
