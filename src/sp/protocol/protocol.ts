/**
 * What a protocol is to the socket core: it takes pipes, routes messages between them and the
 * user, and says when a blocked send or receive may succeed. It knows pipes and messages,
 * not transports, endpoints or file descriptors.
 */
import type { SpError } from '../errors.js';
import type { SocketOptions } from '../options.js';
import type { Pipe, PipeSink } from '../pipe.js';
import type { SocketStats } from '../stats.js';

/** The socket core as a protocol sees it. */
export interface ProtocolHost {
  readonly options: SocketOptions;
  readonly stats: SocketStats;
  /** A receive may succeed now. */
  readable(): void;
  /** A send may succeed now. */
  writable(): void;
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
}

export type SocketType = 'pair' | 'pub' | 'sub' | 'req' | 'rep' | 'push' | 'pull' | 'surveyor' | 'respondent' | 'bus';

export interface Protocol extends PipeSink {
  readonly info: ProtocolInfo;
  /** Take a new pipe; an error refuses it (PAIR with a peer already: EISCONN). */
  attach(pipe: Pipe): SpError | undefined;
  /** Forget a pipe that went away. Messages already read from it may still be received. */
  detach(pipe: Pipe): void;
  /** Send one message if it can go now; false if the send would block. May throw (EFSM). */
  send(body: Buffer, header: Buffer): boolean;
  /** The next message for the user, or undefined if none is ready. May throw (EFSM). */
  recv(): Buffer | undefined;
  /** The SP header of the message `recv` last returned (raw sockets hand it to the user). */
  readonly recvHeader: Buffer;
  /** nn_poll's NN_POLLIN: a receive would not block (or would fail at once, e.g. a survey that timed out). */
  pollIn(): boolean;
  /** nn_poll's NN_POLLOUT: a send would not block. */
  pollOut(): boolean;
  /** Options this protocol handles itself (subscribe, unsubscribe). */
  setProtocolOption?(name: string, value: Buffer): void;
  /** The socket closed: stop timers, drop state. */
  close(): void;
}

export interface ProtocolFactory {
  readonly info: ProtocolInfo;
  create(host: ProtocolHost, raw: boolean): Protocol;
}
