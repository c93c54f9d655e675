/**
 * nanomsg's priority list (protocols/utils/priolist.c): pipes in 16 slots, 1 the highest
 * priority. The current slot is the highest one that has a pipe; within it, pipes take turns.
 */
const SLOTS = 16;

export class PriorityList<T> {
  private readonly slots: T[][] = Array.from({ length: SLOTS }, () => []);
  private readonly cursors = new Int32Array(SLOTS);
  /** Index of the highest non-empty slot, −1 when every slot is empty. */
  private current = -1;

  get isEmpty(): boolean {
    return this.current < 0;
  }

  /** The priority (1–16) of the slot in use, or −1 when the list is empty. */
  get currentPriority(): number {
    return this.current < 0 ? -1 : this.current + 1;
  }

  add(item: T, priority: number): void {
    const slot = priority - 1;
    (this.slots[slot] as T[]).push(item);
    if (this.current < 0 || slot < this.current) this.current = slot;
  }

  remove(item: T, priority: number): void {
    const slot = priority - 1;
    const items = this.slots[slot] as T[];
    const index = items.indexOf(item);
    if (index < 0) return;
    items.splice(index, 1);
    const cursor = this.cursors[slot] as number;
    if (index < cursor) this.cursors[slot] = cursor - 1;
    if ((this.cursors[slot] as number) >= items.length) this.cursors[slot] = 0;
    if (items.length === 0 && slot === this.current) this.findCurrent();
  }

  /** Every item, in no particular order (a copy: the list may change meanwhile). */
  items(): T[] {
    return this.slots.flat();
  }

  /** The item whose turn it is, or undefined. */
  peek(): T | undefined {
    if (this.current < 0) return undefined;
    return (this.slots[this.current] as T[])[this.cursors[this.current] as number];
  }

  /** Pass the turn to the next item of the current slot. */
  advance(): void {
    const slot = this.current;
    if (slot < 0) return;
    const next = (this.cursors[slot] as number) + 1;
    this.cursors[slot] = next >= (this.slots[slot] as T[]).length ? 0 : next;
  }

  private findCurrent(): void {
    this.current = this.slots.findIndex((items) => items.length > 0);
  }
}
