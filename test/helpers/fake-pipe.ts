/**
 * A pipe with no network behind it, for protocol unit tests. The test plays the peer: it
 * reads what the socket sent from `sent`, delivers wire payloads with `deliver`, fills and
 * drains the pipe with `setWritable`, and hangs up with `hangUp`. Only the Pipe contract the
 * socket core keeps is used (writable, send, pause/resume, run, close, sink, owner, ended),
 * so these tests check any rewrite of the protocols behind it.
 */
import { vi } from 'vitest';
import { socket, type SocketInit, type SocketType, type SpSocket } from '../../src/index.js';
import { Pipe } from '../../src/sp/pipe.js';

/** One message as the socket handed it to the pipe (copied, so later reuse cannot change it). */
export interface SentMessage {
  readonly header: Buffer;
  readonly body: Buffer;
}

let nextEndpointId = 1;

export class FakePipe extends Pipe {
  readonly sent: SentMessage[] = [];
  pauses = 0;
  resumes = 0;
  running = false;
  private canWrite = true;

  constructor() {
    super({ id: nextEndpointId++, url: 'fake://peer', kind: 'connect' }, 'fake-peer');
  }

  get writable(): boolean {
    return !this.closed && this.canWrite;
  }

  send(header: Uint8Array, body: Uint8Array): void {
    this.sent.push({ header: Buffer.from(header), body: Buffer.from(body) });
  }

  pauseReading(): void {
    this.pauses++;
  }

  resumeReading(): void {
    this.resumes++;
  }

  run(): void {
    this.running = true;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** The peer sent `payload` (SP header and body together, as framing leaves it). */
  deliver(payload: Uint8Array | string): void {
    if (!this.sink) throw new Error('the fake pipe is not attached to a socket');
    this.sink.pipeMessage(this, Buffer.from(payload));
  }

  /** Fill (false) or drain (true) the pipe; draining tells the socket, as a transport does. */
  setWritable(writable: boolean): void {
    const was = this.canWrite;
    this.canWrite = writable;
    if (writable && !was) this.sink?.pipeWritable(this);
  }

  /** The peer went away: the pipe ends as 'broken' and its owner detaches it from the socket. */
  hangUp(): void {
    this.ended('broken', undefined);
  }

  /** Headers of everything sent so far, as numbers per 4-byte word. */
  get sentHeaders(): number[][] {
    return this.sent.map((m) => words(m.header));
  }
}

/**
 * Attach a fresh FakePipe to `sock` the way an endpoint does: own it (so a hang-up detaches
 * it), attach it, then run it.
 */
export function attachFake(sock: SpSocket, options: { writable?: boolean } = {}): FakePipe {
  const pipe = new FakePipe();
  if (options.writable === false) pipe.setWritable(false);
  pipe.owner = { pipeClosed: (p, reason) => sock.detachPipe(p, reason) };
  const refused = sock.attachPipe(pipe);
  if (refused) throw refused;
  pipe.run();
  return pipe;
}

// ---- sockets and timers ------------------------------------------------------------------

const open = new Set<SpSocket>();

/** A socket that `cleanup` closes after the test. */
export function openSocket(type: SocketType, init?: SocketInit): SpSocket {
  const s = socket(type, { linger: 0, ...init });
  open.add(s);
  return s;
}

/** For afterEach: close every socket the test opened and put the real timers back. */
export async function cleanup(): Promise<void> {
  await Promise.all([...open].map((s) => s.close()));
  open.clear();
  vi.useRealTimers();
}

// ---- bytes and wire payloads ---------------------------------------------------------------

/** Any bytes (Buffer or plain Uint8Array) as a Buffer, for comparisons. */
export function bytes(x: Uint8Array | string): Buffer {
  return typeof x === 'string' ? Buffer.from(x) : Buffer.from(x.buffer, x.byteOffset, x.byteLength);
}

/** 32-bit big-endian words. */
export function wordBytes(...values: number[]): Buffer {
  const out = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => out.writeUInt32BE(v >>> 0, 4 * i));
  return out;
}

/** The 32-bit big-endian words of `header` (its length must be a multiple of 4). */
export function words(header: Uint8Array): number[] {
  const b = bytes(header);
  const out: number[] = [];
  for (let i = 0; i + 4 <= b.length; i += 4) out.push(b.readUInt32BE(i));
  return out;
}

/**
 * A REQ/REP or SURVEYOR/RESPONDENT wire payload: hop words (top bit clear), then the request
 * or survey id (top bit set, added here if missing), then the body.
 */
export function backtraced(hops: number[], id: number, body: Uint8Array | string): Buffer {
  return Buffer.concat([wordBytes(...hops, (id | 0x8000_0000) >>> 0), bytes(body)]);
}

/** A reply echoing `header` (as REP sends it back) in front of `body`. */
export function replyTo(header: Uint8Array, body: Uint8Array | string): Buffer {
  return Buffer.concat([bytes(header), bytes(body)]);
}

/** The `code` of what `fn` throws (an SpError's errno name), or undefined if it returns. */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return undefined;
}
