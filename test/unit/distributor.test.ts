/**
 * The Distributor (PUB, BUS, SURVEYOR): every writable pipe gets each message once; a full
 * pipe is not asked again until it drained; pipes come and go in any order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pipe } from '../../src/sp/pipe.js';
import { Distributor } from '../../src/sp/protocol/distributor.js';

/** A pipe that counts how often it was asked and what it got. */
function pipe(name: string): Pipe & { open: boolean; asked: number; got: string[] } {
  const p = {
    name,
    open: true,
    asked: 0,
    got: [] as string[],
    get writable() {
      p.asked++;
      return p.open;
    },
    send(_header: Uint8Array, body: Uint8Array) {
      p.got.push(new TextDecoder().decode(body));
    },
  };
  return p as unknown as Pipe & typeof p;
}

const msg = (text: string) => new TextEncoder().encode(text);

describe('Distributor', () => {
  it('skips a full pipe without asking it again until it drained, then delivers to it again', () => {
    const d = new Distributor();
    const a = pipe('a');
    const b = pipe('b');
    d.add(a);
    d.add(b);
    b.open = false;
    expect(d.send(new Uint8Array(), msg('1'))).toBe(1);
    const askedWhenFull = b.asked;
    for (let i = 2; i <= 100; i++) d.send(new Uint8Array(), msg(String(i)));
    expect(b.asked).toBe(askedWhenFull);
    expect(b.got).toEqual([]);
    b.open = true;
    d.drained(b);
    d.send(new Uint8Array(), msg('101'));
    expect(b.got).toEqual(['101']);
    expect(a.got.length).toBe(101);
    expect(d.size).toBe(2);
  });

  it('leaves out `except`, and a drained call for a pipe that was not full changes nothing', () => {
    const d = new Distributor();
    const [a, b, c] = [pipe('a'), pipe('b'), pipe('c')];
    for (const p of [a, b, c]) d.add(p);
    d.drained(a);
    expect(d.send(new Uint8Array(), msg('x'), b)).toBe(2);
    expect([a.got, b.got, c.got]).toEqual([['x'], [], ['x']]);
    expect(d.size).toBe(3);
  });

  it('whatever the order of adds, removals, fills and drains, each message reaches exactly the open pipes present', () => {
    type Op = { kind: 'add' | 'remove' | 'fill' | 'drain'; which: number } | { kind: 'send' };
    const op = fc.oneof(
      fc.record({ kind: fc.constantFrom('add' as const, 'remove' as const, 'fill' as const, 'drain' as const), which: fc.integer({ min: 0, max: 7 }) }),
      fc.constant({ kind: 'send' as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops: Op[]) => {
        const d = new Distributor();
        const pipes = Array.from({ length: 8 }, (_, i) => pipe(String(i)));
        const present = new Set<number>();
        // a pipe set aside as full stays aside until drained, even if it has room meanwhile
        const setAside = new Set<number>();
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'send') {
            const text = String(n++);
            const expected = [...present].filter((i) => !setAside.has(i) && (pipes[i]!.open || (setAside.add(i), false)));
            const before = pipes.map((p) => p.got.length);
            expect(d.send(new Uint8Array(), msg(text))).toBe(expected.length);
            pipes.forEach((p, i) => expect(p.got.length - before[i]!).toBe(expected.includes(i) ? 1 : 0));
            continue;
          }
          const p = pipes[o.which]!;
          if (o.kind === 'add' && !present.has(o.which)) {
            present.add(o.which);
            setAside.delete(o.which);
            d.add(p);
          } else if (o.kind === 'remove' && present.has(o.which)) {
            present.delete(o.which);
            setAside.delete(o.which);
            d.remove(p);
          } else if (o.kind === 'fill') {
            p.open = false;
          } else if (o.kind === 'drain' && !p.open) {
            p.open = true;
            if (present.has(o.which)) {
              setAside.delete(o.which);
              d.drained(p);
            }
          }
          expect(d.size).toBe(present.size);
        }
      }),
      { numRuns: 300 },
    );
  });
});
