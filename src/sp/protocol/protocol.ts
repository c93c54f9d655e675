/**
 * What a protocol is to the socket core. A protocol takes pipes, routes messages between them
 * and its contexts, and says when a blocked send or receive may succeed. It knows contexts,
 * pipes and messages, not transports, endpoints or file descriptors.
 *
 * Contexts (NNG's nng_ctx, mangos' OpenContext): independent send/receive state machines on one
 * socket. Every socket has a default context, which its own send/recv use; REQ, REP, SURVEYOR,
 * RESPONDENT and SUB (cooked) can open more.
 */
import type { Bytes } from '../bytes.js';
import type { SpError } from '../errors.js';
import type { Message } from '../message.js';
import type { SocketOptions } from '../options.js';
import type { Pipe } from '../pipe.js';
import type { SocketStats } from '../stats.js';

/** The socket core as a protocol sees it. */
export interface ProtocolHost {
  readonly options: SocketOptions;
  readonly stats: SocketStats;
  /** A message that any context may take arrived: serve the waiting contexts in turn. */
  readable(): void;
  /** A send may succeed now, on any context. */
  writable(): void;
}

/** The options each context has for itself (the default context's are the socket's). */
export interface ContextOptions {
  sendTimeout: number;
  recvTimeout: number;
  resendInterval: number;
  surveyDeadline: number;
}

/** One context as its protocol state sees it: where to say it may proceed. */
export interface ContextHost {
  readonly options: ContextOptions;
  /** The socket's own context: it keeps nanomsg's behaviour where NNG's contexts differ. */
  readonly isDefault: boolean;
  /** A receive on this context may succeed (or fail) now. */
  readable(): void;
  /** A send on this context may succeed now. */
  writable(): void;
  /** Fail the receive waiting on this context (a new request or survey replaced its own). */
  cancelRecv(error: SpError): void;
}

/** A protocol's state for one context. */
export interface ProtocolContext {
  /**
   * Send one message if it can go now; false if the send would block. May throw (EFSM).
   * `pipe`: the id of the pipe it is addressed to, where the protocol routes by pipe (0: any).
   */
  send(body: Uint8Array, header: Uint8Array, pipe?: number): boolean;
  /** The next message for the user, or undefined if none is ready. May throw (EFSM). */
  recv(): Message | undefined;
  /**
   * recv's body alone, where taking it is all recv does (no header kept, no state changed):
   * `recv()`, `tryRecv()` and `recvInto()` then make no Message only to throw it away, one
   * allocation fewer per message (64 B over tcp, the fast path: ~10% more messages a second).
   */
  recvBody?(): Bytes | undefined;
  /** nn_poll's NN_POLLIN: a receive would not block (or would fail at once). */
  pollIn(): boolean;
  /** nn_poll's NN_POLLOUT: a send would not block. */
  pollOut(): boolean;
  /**
   * Only where it is exact: true exactly when `send` would return false now. trySend then
   * gives EAGAIN without first copying a large body it could not send (a protocol without
   * it is simply tried).
   */
  cannotSendNow?(): boolean;
  /**
   * The context takes its messages from a queue it shares with other contexts (REP,
   * RESPONDENT, the socket's own SUB context, every single-context protocol): the socket then
   * serves the contexts waiting on it in turn. A context with messages of its own (REQ,
   * SURVEYOR, a SUB context) is woken through its host instead.
   */
  readonly sharedQueue?: boolean;
  /** A receive on this context was given up (timeout, abort): NNG's REQ drops its request. */
  recvAbandoned?(): void;
  /** Options this protocol handles itself (subscribe, unsubscribe). */
  setProtocolOption?(name: string, value: Uint8Array): void;
  /** The context closed: stop its timers, forget its state. */
  close(): void;
}

export interface ProtocolInfo {
  /** The socket type name users pass to `socket()`. */
  readonly name: SocketType;
  /** The SP protocol id sent in the connection header (spec/wire.md §2). */
  readonly id: number;
  /** The only protocol id this one talks to. */
  readonly peer: number;
  readonly canSend: boolean;
  readonly canRecv: boolean;
  /** Cooked sockets of this type can open contexts. */
  readonly contexts: boolean;
}

export type SocketType = 'pair' | 'pair1' | 'pub' | 'sub' | 'req' | 'rep' | 'push' | 'pull' | 'surveyor' | 'respondent' | 'bus';

/** How a socket was asked to behave, beyond raw: options fixed when it is made. */
export interface ProtocolMode {
  /** PAIR v1 with many peers (NNG's nng_pair1_open_poly). */
  readonly polyamorous: boolean;
}

export interface Protocol {
  readonly info: ProtocolInfo;
  /** The state of the socket's default context. */
  readonly context: ProtocolContext;
  /** Take a new pipe; an error refuses it (PAIR with a peer already: EISCONN). */
  attach(pipe: Pipe): SpError | undefined;
  /** Forget a pipe that went away. Messages already read from it may still be received. */
  detach(pipe: Pipe): void;
  /** State for one more context (only where `info.contexts`, cooked). */
  openContext(host: ContextHost): ProtocolContext;
  /** The socket closed: stop timers, drop state. */
  close(): void;
}

export interface ProtocolFactory {
  readonly info: ProtocolInfo;
  create(host: ProtocolHost, raw: boolean, context: ContextHost, mode: ProtocolMode): Protocol;
}
