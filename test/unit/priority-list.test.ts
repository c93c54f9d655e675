/**
 * nanomsg's priority list (spec/wire.md §3.8): 16 slots, 1 the highest; the current slot is
 * the highest with a pipe, and pipes in it take turns.
 */
import { describe, it, expect } from 'vitest';
import { PriorityList } from '../../src/sp/protocol/priority-list.js';
import type { Pipe } from '../../src/sp/pipe.js';

/** The list only stores references, so a tagged object stands in for a pipe. */
function fakePipe(name: string): Pipe {
  return { name } as unknown as Pipe;
}

/** A list holding pipes a, b and c, all at priority 8, with a's turn first. */
function threeAtPriority8(): [PriorityList<Pipe>, Pipe, Pipe, Pipe] {
  const l = new PriorityList<Pipe>();
  const [a, b, c] = ['a', 'b', 'c'].map(fakePipe) as [Pipe, Pipe, Pipe];
  for (const p of [a, b, c]) l.add(p, 8);
  return [l, a, b, c];
}
const nameOf = (p: Pipe | undefined): string | undefined => (p as unknown as { name: string } | undefined)?.name;

/** The next `n` turns: peek, then advance. */
function turns(list: PriorityList<Pipe>, n: number): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    out.push(nameOf(list.peek()));
    list.advance();
  }
  return out;
}

describe('PriorityList', () => {
  it('starts empty', () => {
    const l = new PriorityList<Pipe>();
    expect(l.isEmpty).toBe(true);
    expect(l.currentPriority).toBe(-1);
    expect(l.peek()).toBeUndefined();
    l.advance(); // harmless
    expect(l.peek()).toBeUndefined();
  });

  it('holds one pipe', () => {
    const l = new PriorityList<Pipe>();
    const a = fakePipe('a');
    l.add(a, 8);
    expect(l.isEmpty).toBe(false);
    expect(l.currentPriority).toBe(8);
    expect(l.peek()).toBe(a);
    l.advance();
    expect(l.peek()).toBe(a);
  });

  it('round-robins within a slot in the order pipes were added', () => {
    const l = new PriorityList<Pipe>();
    for (const n of ['a', 'b', 'c']) l.add(fakePipe(n), 8);
    expect(turns(l, 7)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('peek without advance keeps the same pipe', () => {
    const l = new PriorityList<Pipe>();
    l.add(fakePipe('a'), 4);
    l.add(fakePipe('b'), 4);
    expect(nameOf(l.peek())).toBe('a');
    expect(nameOf(l.peek())).toBe('a');
  });

  it('uses only the highest-priority slot (1 is highest), whatever the order of adding', () => {
    const l = new PriorityList<Pipe>();
    l.add(fakePipe('low'), 16);
    l.add(fakePipe('mid'), 8);
    expect(l.currentPriority).toBe(8);
    l.add(fakePipe('high'), 1);
    expect(l.currentPriority).toBe(1);
    expect(turns(l, 3)).toEqual(['high', 'high', 'high']);
    l.add(fakePipe('lower'), 2);
    expect(l.currentPriority).toBe(1);
    expect(turns(l, 2)).toEqual(['high', 'high']);
  });

  it('spec example: PUSH to A at priority 1 and B at priority 2 sends both to A', () => {
    const l = new PriorityList<Pipe>();
    const a = fakePipe('A');
    const b = fakePipe('B');
    l.add(a, 1);
    l.add(b, 2);
    expect(turns(l, 2)).toEqual(['A', 'A']);
  });

  it('falls back to the next lower slot when the current one empties, and back up when a higher pipe returns', () => {
    const l = new PriorityList<Pipe>();
    const high = fakePipe('high');
    const low1 = fakePipe('low1');
    const low2 = fakePipe('low2');
    l.add(high, 3);
    l.add(low1, 10);
    l.add(low2, 10);
    expect(l.currentPriority).toBe(3);
    l.remove(high, 3);
    expect(l.currentPriority).toBe(10);
    expect(turns(l, 3)).toEqual(['low1', 'low2', 'low1']);
    l.add(high, 3);
    expect(l.currentPriority).toBe(3);
    expect(l.peek()).toBe(high);
  });

  it('skips empty slots when falling back', () => {
    const l = new PriorityList<Pipe>();
    const a = fakePipe('a');
    l.add(a, 1);
    l.add(fakePipe('z'), 16);
    l.remove(a, 1);
    expect(l.currentPriority).toBe(16);
    expect(nameOf(l.peek())).toBe('z');
  });

  it('becomes empty when the last pipe goes', () => {
    const l = new PriorityList<Pipe>();
    const a = fakePipe('a');
    const b = fakePipe('b');
    l.add(a, 5);
    l.add(b, 9);
    l.remove(a, 5);
    l.remove(b, 9);
    expect(l.isEmpty).toBe(true);
    expect(l.currentPriority).toBe(-1);
    expect(l.peek()).toBeUndefined();
  });

  it('removing a pipe of a lower slot does not change the current slot or turn', () => {
    const l = new PriorityList<Pipe>();
    const a = fakePipe('a');
    const b = fakePipe('b');
    const z = fakePipe('z');
    l.add(a, 2);
    l.add(b, 2);
    l.add(z, 7);
    l.advance(); // b's turn
    l.remove(z, 7);
    expect(l.currentPriority).toBe(2);
    expect(nameOf(l.peek())).toBe('b');
  });

  it('removing the pipe whose turn it is passes the turn to the next one', () => {
    const [l, , b] = threeAtPriority8();
    l.advance(); // b
    l.remove(b, 8);
    expect(turns(l, 3)).toEqual(['c', 'a', 'c']);
  });

  it('removing the last pipe while it has the turn wraps to the first', () => {
    const [l, , , c] = threeAtPriority8();
    l.advance();
    l.advance(); // c
    l.remove(c, 8);
    expect(turns(l, 3)).toEqual(['a', 'b', 'a']);
  });

  it('removing a pipe before the current one keeps the turn on the same pipe', () => {
    const [l, a] = threeAtPriority8();
    l.advance();
    l.advance(); // c
    l.remove(a, 8);
    expect(turns(l, 3)).toEqual(['c', 'b', 'c']);
  });

  it('removing a pipe after the current one keeps the turn on the same pipe', () => {
    const [l, , , c] = threeAtPriority8();
    l.remove(c, 8);
    expect(turns(l, 3)).toEqual(['a', 'b', 'a']);
  });

  it('ignores the removal of a pipe it does not hold, or under the wrong priority', () => {
    const l = new PriorityList<Pipe>();
    const a = fakePipe('a');
    l.add(a, 4);
    l.remove(fakePipe('x'), 4);
    l.remove(a, 5);
    expect(l.peek()).toBe(a);
    expect(l.currentPriority).toBe(4);
  });

  it('keeps separate turns per slot', () => {
    const l = new PriorityList<Pipe>();
    const [a, b, x, y] = ['a', 'b', 'x', 'y'].map(fakePipe) as [Pipe, Pipe, Pipe, Pipe];
    l.add(x, 6);
    l.add(y, 6);
    l.advance(); // y's turn in slot 6
    l.add(a, 2);
    l.add(b, 2);
    expect(turns(l, 3)).toEqual(['a', 'b', 'a']);
    l.remove(a, 2);
    l.remove(b, 2);
    expect(nameOf(l.peek())).toBe('y');
  });

  it('works with all 16 priorities', () => {
    const l = new PriorityList<Pipe>();
    const pipes = Array.from({ length: 16 }, (_, i) => fakePipe(`p${i + 1}`));
    for (let i = 15; i >= 0; i--) l.add(pipes[i] as Pipe, i + 1);
    for (let prio = 1; prio <= 16; prio++) {
      expect(l.currentPriority).toBe(prio);
      expect(nameOf(l.peek())).toBe(`p${prio}`);
      l.remove(pipes[prio - 1] as Pipe, prio);
    }
    expect(l.isEmpty).toBe(true);
  });
});
