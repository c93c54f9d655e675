/**
 * SUB's subscription trie (nanomsg protocols/pubsub/trie.c semantics): prefix matching,
 * reference counts, and pruning.
 */
import { describe, it, expect } from 'vitest';
import { SubscriptionTrie } from '../../src/sp/protocol/trie.js';

const b = (s: string): Buffer => Buffer.from(s);

/** Nodes below the root; white-box, to see that unsubscribing prunes what it no longer needs. */
function nodeCount(trie: SubscriptionTrie): number {
  type Node = { count: number; children: Map<number, Node> | undefined };
  const root = (trie as unknown as { root?: Node }).root;
  if (!root || typeof root.count !== 'number') throw new Error('SubscriptionTrie internals changed; update nodeCount() in trie.test.ts');
  const walk = (n: Node): number => {
    let total = 0;
    for (const child of n.children?.values() ?? []) total += 1 + walk(child);
    return total;
  };
  return walk(root);
}

describe('SubscriptionTrie', () => {
  it('matches nothing when there are no subscriptions', () => {
    const t = new SubscriptionTrie();
    expect(t.size).toBe(0);
    expect(t.matches(b(''))).toBe(false);
    expect(t.matches(b('anything'))).toBe(false);
  });

  it('matches messages that start with a subscribed topic', () => {
    const t = new SubscriptionTrie();
    t.subscribe(b('foo'));
    expect(t.matches(b('foo'))).toBe(true);
    expect(t.matches(b('foobar'))).toBe(true);
    expect(t.matches(b('fo'))).toBe(false);
    expect(t.matches(b('bar'))).toBe(false);
    expect(t.matches(b('Foo'))).toBe(false);
    expect(t.matches(b('xfoo'))).toBe(false);
    expect(t.matches(b(''))).toBe(false);
  });

  it('the empty topic matches every message, even an empty one', () => {
    const t = new SubscriptionTrie();
    t.subscribe(b(''));
    expect(t.size).toBe(1);
    expect(t.matches(b(''))).toBe(true);
    expect(t.matches(b('x'))).toBe(true);
    expect(t.matches(Buffer.from([0, 255]))).toBe(true);
    expect(t.unsubscribe(b(''))).toBe(true);
    expect(t.matches(b('x'))).toBe(false);
    expect(t.size).toBe(0);
  });

  it('counts references: subscribing twice needs two unsubscribes', () => {
    const t = new SubscriptionTrie();
    t.subscribe(b('a'));
    t.subscribe(b('a'));
    expect(t.size).toBe(1);
    expect(t.unsubscribe(b('a'))).toBe(true);
    expect(t.matches(b('abc'))).toBe(true);
    expect(t.size).toBe(1);
    expect(t.unsubscribe(b('a'))).toBe(true);
    expect(t.matches(b('abc'))).toBe(false);
    expect(t.size).toBe(0);
    expect(t.unsubscribe(b('a'))).toBe(false);
  });

  it('unsubscribing a topic that was never subscribed returns false and changes nothing', () => {
    const t = new SubscriptionTrie();
    expect(t.unsubscribe(b('x'))).toBe(false);
    expect(t.unsubscribe(b(''))).toBe(false);
    t.subscribe(b('abc'));
    expect(t.unsubscribe(b('ab'))).toBe(false); // an inner node, not a topic
    expect(t.unsubscribe(b('abcd'))).toBe(false); // longer than any topic
    expect(t.unsubscribe(b('x'))).toBe(false);
    expect(t.unsubscribe(b(''))).toBe(false);
    expect(t.size).toBe(1);
    expect(t.matches(b('abcdef'))).toBe(true);
    expect(t.matches(b('ab'))).toBe(false);
  });

  it('keeps overlapping topics apart (a, ab, abc)', () => {
    const t = new SubscriptionTrie();
    t.subscribe(b('abc'));
    t.subscribe(b('ab'));
    t.subscribe(b('a'));
    expect(t.size).toBe(3);
    expect(t.matches(b('a'))).toBe(true);
    expect(t.matches(b('az'))).toBe(true);

    expect(t.unsubscribe(b('a'))).toBe(true);
    expect(t.matches(b('a'))).toBe(false);
    expect(t.matches(b('az'))).toBe(false);
    expect(t.matches(b('ab'))).toBe(true);
    expect(t.matches(b('abz'))).toBe(true);

    expect(t.unsubscribe(b('abc'))).toBe(true);
    expect(t.matches(b('abc'))).toBe(true); // still covered by 'ab'
    expect(t.unsubscribe(b('ab'))).toBe(true);
    expect(t.matches(b('abc'))).toBe(false);
    expect(t.size).toBe(0);
  });

  it('a longer topic stays after its prefix topic is removed', () => {
    const t = new SubscriptionTrie();
    t.subscribe(b('ab'));
    t.subscribe(b('abcd'));
    expect(t.unsubscribe(b('ab'))).toBe(true);
    expect(t.matches(b('abc'))).toBe(false);
    expect(t.matches(b('abcd'))).toBe(true);
    expect(t.matches(b('abcde'))).toBe(true);
    expect(t.size).toBe(1);
  });

  it('handles binary topics, including 0x00 and 0xff bytes', () => {
    const t = new SubscriptionTrie();
    const topic = Uint8Array.from([0x00, 0xff, 0x00, 0x80]);
    t.subscribe(topic);
    expect(t.matches(Uint8Array.from([0x00, 0xff, 0x00, 0x80, 0x01]))).toBe(true);
    expect(t.matches(Uint8Array.from([0x00, 0xff, 0x00]))).toBe(false);
    expect(t.matches(Uint8Array.from([0x00, 0xff, 0x01, 0x80]))).toBe(false);
    // a Buffer and a Uint8Array with the same bytes are the same topic
    expect(t.unsubscribe(Buffer.from([0x00, 0xff, 0x00, 0x80]))).toBe(true);
    expect(t.size).toBe(0);
  });

  it('matches against a view into a larger buffer by its own bytes only', () => {
    const t = new SubscriptionTrie();
    t.subscribe(b('cd'));
    const whole = b('abcdef');
    expect(t.matches(whole.subarray(2))).toBe(true);
    expect(t.matches(whole.subarray(0, 3))).toBe(false);
  });

  it('prunes: after unsubscribing everything nothing matches, size is 0 and no nodes remain', () => {
    const t = new SubscriptionTrie();
    const topics = ['a', 'ab', 'abc', 'abd', 'b', 'bcd', 'topic.one', 'topic.two', ''];
    for (const topic of topics) t.subscribe(b(topic));
    t.subscribe(b('ab')); // twice
    expect(t.size).toBe(topics.length);
    expect(nodeCount(t)).toBeGreaterThan(0);
    for (const topic of [...topics].reverse()) expect(t.unsubscribe(b(topic))).toBe(true);
    expect(t.matches(b('ab'))).toBe(true); // the second reference
    expect(t.unsubscribe(b('ab'))).toBe(true);
    expect(t.size).toBe(0);
    expect(nodeCount(t)).toBe(0);
    for (const topic of [...topics, 'abcdef', 'zzz']) expect(t.matches(b(topic))).toBe(false);
  });

  it('prunes only the branch that is no longer needed', () => {
    const t = new SubscriptionTrie();
    t.subscribe(b('abc'));
    t.subscribe(b('abxyz'));
    expect(nodeCount(t)).toBe(6); // a b c x y z
    t.unsubscribe(b('abxyz'));
    expect(nodeCount(t)).toBe(3);
    expect(t.matches(b('abc'))).toBe(true);
    t.unsubscribe(b('abc'));
    expect(nodeCount(t)).toBe(0);
  });

  it('agrees with a naive prefix check on many random operations', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const word = () => Buffer.from(Array.from({ length: rand(4) }, () => 0x61 + rand(3)));
    const t = new SubscriptionTrie();
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const w = word();
      const key = w.toString('latin1');
      if (rand(2) === 0) {
        t.subscribe(w);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      } else {
        const had = counts.get(key) ?? 0;
        expect(t.unsubscribe(w)).toBe(had > 0);
        if (had > 1) counts.set(key, had - 1);
        else counts.delete(key);
      }
      expect(t.size).toBe(counts.size);
      const msg = Buffer.concat([word(), word()]).toString('latin1');
      const naive = [...counts.keys()].some((k) => msg.startsWith(k));
      expect(t.matches(Buffer.from(msg, 'latin1')), `after op ${i}, message ${JSON.stringify(msg)}`).toBe(naive);
    }
  });
});
