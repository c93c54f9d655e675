/**
 * SUB (nanomsg's xsub; NNG's sub0 contexts): keeps the messages whose body starts with a
 * subscribed topic. The socket's own context filters as messages arrive, so unwanted ones
 * never take buffer space, and fair-queues them across publishers with back-pressure, as
 * nanomsg does. Each further context has its own subscriptions and its own queue of up to
 * recvBuffer bytes; when it is full the oldest message makes room (NNG's default). While
 * contexts are open no reader may stop a publisher for the others: the socket's own queue
 * then drops what arrives for a full pipe, as NNG's contexts do. It never
 * writes a byte to a PUB (nanomsg's PUB would abort). Raw SUB filters too, as nanomsg's does
 * (NNG's raw SUB does not); the socket core opens no context on a raw socket.
 */
import { copyBytes, latin1Text, type Bytes } from '../bytes.js';
import { spError, type SpError } from '../errors.js';
import { Message } from '../message.js';
import type { Pipe } from '../pipe.js';
import { Queue } from '../queue.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import { PipeState, PipeStates, type PipeEvents } from './pipe-state.js';
import type { ContextHost, Protocol, ProtocolContext, ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';
import { SubscriptionTrie } from './trie.js';

const info: ProtocolInfo = { name: 'sub', id: PROTOCOL_IDS.sub, peer: PROTOCOL_IDS.pub, canSend: false, canRecv: true, contexts: true };

abstract class SubContext implements ProtocolContext {
  readonly topics = new SubscriptionTrie();

  send(): boolean {
    throw spError('ENOTSUP', 'SUB sockets cannot send');
  }

  pollOut(): boolean {
    return false;
  }

  abstract recv(): Message | undefined;
  abstract pollIn(): boolean;
  abstract close(): void;
  /** Forget the messages waiting here that no subscription wants any more. */
  protected abstract prune(): void;

  setProtocolOption(name: string, topic: Uint8Array): void {
    if (name === 'subscribe') {
      this.topics.subscribe(topic);
    } else if (!this.topics.unsubscribe(topic)) {
      throw spError('EINVAL', `cannot unsubscribe from ${JSON.stringify(latin1Text(topic))}: it is not subscribed`);
    } else {
      // what arrived but was not received yet is taken back too: nanomsg filters when the
      // application receives, NNG prunes its queues; neither delivers it (spec/nng.md §4)
      this.prune();
    }
  }
}

/** The socket's own context: per-pipe inboxes, fair queued, with back-pressure. */
class DefaultSubContext extends SubContext {
  readonly sharedQueue = true;

  constructor(readonly inbound: FairQueue) {
    super();
  }

  recvBody(): Bytes | undefined {
    return this.inbound.shift();
  }

  recv(): Message | undefined {
    return this.inbound.shiftMessage();
  }

  pollIn(): boolean {
    return this.inbound.hasMessages;
  }

  protected prune(): void {
    this.inbound.prune((payload) => this.topics.matches(payload));
  }

  close(): void {}
}

/** A context opened with `context()`: its own queue, bounded, oldest dropped first. */
class QueueSubContext extends SubContext {
  private readonly queue = new Queue<Message>();
  private queuedBytes = 0;

  constructor(
    private readonly owner: Sub,
    private readonly host: ContextHost,
  ) {
    super();
  }

  offer(message: Message, limit: number): void {
    while (this.queue.length > 0 && this.queuedBytes + message.body.length > limit) {
      this.queuedBytes -= (this.queue.shift() as Message).body.length;
    }
    this.queue.push(message);
    this.queuedBytes += message.body.length;
    if (this.queue.length === 1) this.host.readable();
  }

  recv(): Message | undefined {
    const message = this.queue.shift();
    if (message) this.queuedBytes -= message.body.length;
    return message;
  }

  pollIn(): boolean {
    return this.queue.length > 0;
  }

  protected prune(): void {
    for (const message of this.queue.filter((m) => this.topics.matches(m.body))) this.queuedBytes -= message.body.length;
  }

  close(): void {
    this.owner.contextClosed(this);
    this.queue.clear();
    this.queuedBytes = 0;
  }
}

class Sub implements Protocol, PipeEvents {
  readonly info = info;
  readonly context: DefaultSubContext;
  readonly contexts = new Set<QueueSubContext>();
  private readonly inbound: FairQueue;
  private readonly states = new PipeStates<PipeState>();

  constructor(private readonly host: ProtocolHost) {
    this.inbound = new FairQueue(host);
    this.context = new DefaultSubContext(this.inbound);
  }

  openContext(host: ContextHost): ProtocolContext {
    const ctx = new QueueSubContext(this, host);
    if (this.contexts.size === 0) this.inbound.setPausing(false);
    this.contexts.add(ctx);
    return ctx;
  }

  contextClosed(ctx: QueueSubContext): void {
    this.contexts.delete(ctx);
    if (this.contexts.size === 0) this.inbound.setPausing(true);
  }

  attach(pipe: Pipe): SpError | undefined {
    this.states.add(new PipeState(pipe, this));
    return undefined;
  }

  detach(pipe: Pipe): void {
    const state = this.states.remove(pipe);
    if (state) this.inbound.detach(state);
  }

  received(state: PipeState, payload: Bytes): void {
    if (this.context.topics.matches(payload)) this.inbound.push(state, payload);
    if (this.contexts.size === 0) return;
    const limit = this.host.options.recvBuffer;
    for (const ctx of this.contexts) {
      // each context owns what it receives, as NNG gives each its own copy
      if (ctx.topics.matches(payload)) ctx.offer(new Message(copyBytes(payload), undefined, state.pipe.id), limit);
    }
  }

  drained(): void {}

  heldBytes(state: PipeState): number {
    return this.inbound.heldBytes(state);
  }

  close(): void {
    this.contexts.clear();
  }
}

export const sub: ProtocolFactory = { info, create: (host) => new Sub(host) };
