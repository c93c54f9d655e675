/** The ring-buffer FIFO used for pipe inboxes and waiter lists. */
import { describe, it, expect } from 'vitest';
import { Queue } from '../../src/sp/queue.js';

function contents<T>(q: Queue<T>): T[] {
  const out: T[] = [];
  q.drain((x) => out.push(x));
  return out;
}

describe('Queue', () => {
  it('starts empty', () => {
    const q = new Queue<number>();
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
  });

  it('is first in, first out', () => {
    const q = new Queue<string>();
    q.push('a');
    q.push('b');
    q.push('c');
    expect(q.length).toBe(3);
    expect(q.peek()).toBe('a');
    expect(q.shift()).toBe('a');
    expect(q.peek()).toBe('b');
    expect(q.shift()).toBe('b');
    expect(q.shift()).toBe('c');
    expect(q.shift()).toBeUndefined();
    expect(q.length).toBe(0);
  });

  it('peek does not remove', () => {
    const q = new Queue<number>();
    q.push(1);
    expect(q.peek()).toBe(1);
    expect(q.peek()).toBe(1);
    expect(q.length).toBe(1);
  });

  it('grows past 16 items and keeps the order', () => {
    const q = new Queue<number>();
    for (let i = 0; i < 100; i++) q.push(i);
    expect(q.length).toBe(100);
    expect(contents(q)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('grows correctly when the ring has wrapped around', () => {
    const q = new Queue<number>();
    for (let i = 0; i < 16; i++) q.push(i);
    for (let i = 0; i < 10; i++) expect(q.shift()).toBe(i);
    for (let i = 16; i < 26; i++) q.push(i); // wraps: 16 items, full
    expect(q.length).toBe(16);
    q.push(26); // grows while head is in the middle
    q.push(27);
    expect(q.length).toBe(18);
    expect(contents(q)).toEqual(Array.from({ length: 18 }, (_, i) => i + 10));
  });

  it('keeps FIFO order over a long interleaving of pushes and shifts', () => {
    const q = new Queue<number>();
    const model: number[] = [];
    let next = 0;
    let seed = 7;
    for (let i = 0; i < 5000; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      if (seed % 3 !== 0) {
        q.push(next);
        model.push(next++);
      } else {
        expect(q.shift()).toBe(model.shift());
      }
      expect(q.length).toBe(model.length);
      expect(q.peek()).toBe(model[0]);
    }
    expect(contents(q)).toEqual(model);
  });

  it('rounds the initial capacity up and still grows beyond it', () => {
    const q = new Queue<number>(100);
    for (let i = 0; i < 300; i++) q.push(i);
    expect(contents(q)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('removes an item from the middle, keeping the others in order', () => {
    const q = new Queue<string>();
    for (const x of ['a', 'b', 'c', 'd', 'e']) q.push(x);
    expect(q.remove('c')).toBe(true);
    expect(q.length).toBe(4);
    expect(contents(q)).toEqual(['a', 'b', 'd', 'e']);
  });

  it('removes the first and the last item', () => {
    const q = new Queue<string>();
    for (const x of ['a', 'b', 'c']) q.push(x);
    expect(q.remove('a')).toBe(true);
    expect(q.peek()).toBe('b');
    expect(q.remove('c')).toBe(true);
    expect(contents(q)).toEqual(['b']);
  });

  it('removes only the first of two equal items', () => {
    const q = new Queue<number>();
    for (const x of [1, 2, 1, 3]) q.push(x);
    expect(q.remove(1)).toBe(true);
    expect(contents(q)).toEqual([2, 1, 3]);
  });

  it('returns false for an item it does not hold', () => {
    const q = new Queue<object>();
    const a = {};
    q.push(a);
    expect(q.remove({})).toBe(false);
    expect(q.length).toBe(1);
    expect(new Queue<number>().remove(1)).toBe(false);
  });

  it('removes across the wrap-around point and keeps pushing correctly afterwards', () => {
    const q = new Queue<number>();
    for (let i = 0; i < 16; i++) q.push(i);
    for (let i = 0; i < 12; i++) q.shift(); // head at 12
    for (let i = 16; i < 24; i++) q.push(i); // items 12..23, stored at slots 12..15 and 0..7
    expect(q.remove(14)).toBe(true); // before the wrap
    expect(q.remove(17)).toBe(true); // after the wrap
    q.push(24);
    q.push(25);
    expect(q.length).toBe(12);
    expect(contents(q)).toEqual([12, 13, 15, 16, 18, 19, 20, 21, 22, 23, 24, 25]);
  });

  it('drain hands out every item in order and empties the queue', () => {
    const q = new Queue<number>();
    for (let i = 0; i < 20; i++) q.push(i);
    const seen: number[] = [];
    q.drain((x) => seen.push(x));
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });

  it('clear empties the queue, which stays usable', () => {
    const q = new Queue<number>();
    for (let i = 0; i < 20; i++) q.push(i);
    q.shift();
    q.clear();
    expect(q.length).toBe(0);
    expect(q.peek()).toBeUndefined();
    q.push(99);
    q.push(100);
    expect(contents(q)).toEqual([99, 100]);
  });

  it('holds falsy values', () => {
    const q = new Queue<number | string | null>();
    q.push(0);
    q.push('');
    q.push(null);
    expect(q.length).toBe(3);
    expect(contents(q)).toEqual([0, '', null]);
  });
});
