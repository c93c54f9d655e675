/**
 * SUB's subscriptions: a byte trie with reference counts, as nanomsg keeps them
 * (protocols/pubsub/trie.c). Subscribing twice needs two unsubscribes; a message matches when
 * any subscribed topic is a prefix of it; the empty topic matches everything.
 */

interface TrieNode {
  /** Subscriptions ending at this node. */
  count: number;
  children: Map<number, TrieNode> | undefined;
}

function node(): TrieNode {
  return { count: 0, children: undefined };
}

export class SubscriptionTrie {
  private readonly root: TrieNode = node();
  private topics = 0;

  /** Distinct topics subscribed (a topic subscribed twice counts once). */
  get size(): number {
    return this.topics;
  }

  subscribe(topic: Uint8Array): void {
    let at = this.root;
    for (const byte of topic) {
      at.children ??= new Map();
      let next = at.children.get(byte);
      if (!next) {
        next = node();
        at.children.set(byte, next);
      }
      at = next;
    }
    if (at.count === 0) this.topics++;
    at.count++;
  }

  /** Drop one reference to `topic`; false when it was not subscribed. */
  unsubscribe(topic: Uint8Array): boolean {
    const path: TrieNode[] = [this.root];
    let at = this.root;
    for (const byte of topic) {
      const next = at.children?.get(byte);
      if (!next) return false;
      path.push(next);
      at = next;
    }
    if (at.count === 0) return false;
    at.count--;
    if (at.count > 0) return true;
    this.topics--;
    // prune the branch up to the first node that still holds something
    for (let depth = topic.length; depth > 0; depth--) {
      const child = path[depth] as TrieNode;
      if (child.count > 0 || (child.children && child.children.size > 0)) break;
      const parent = path[depth - 1] as TrieNode;
      parent.children?.delete(topic[depth - 1] as number);
      if (parent.children?.size === 0) parent.children = undefined;
    }
    return true;
  }

  /** True when some subscribed topic is a prefix of `message`. */
  matches(message: Uint8Array): boolean {
    let at: TrieNode | undefined = this.root;
    if (at.count > 0) return true;
    for (let i = 0; i < message.length; i++) {
      at = at.children?.get(message[i] as number);
      if (!at) return false;
      if (at.count > 0) return true;
    }
    return false;
  }
}
