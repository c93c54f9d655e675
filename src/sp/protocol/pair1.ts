/**
 * PAIR v1 (NNG's pair1, protocol 0x11; nanomsg has none): PAIR with a 4-byte big-endian hop
 * count before each body (spec/nng.md §2). A cooked send puts 1 on the wire, as NNG does; a
 * receive takes counts 0..maxTtl (mangos sends 0) and drops a message above maxTtl, counted,
 * keeping the pipe; a message shorter than its count, or a count above 0xff, breaks the rules:
 * counted, and that pipe is closed. Raw PAIR v1 hands the count over as the header and a raw
 * send adds one hop to the header it is given, so a device forwarding it counts each pass.
 *
 * Monogamous by default: a second peer is refused while one is paired, as NNG's
 * reject_already. Polyamorous (`{ polyamorous: true }`, NNG's nng_pair1_open_poly): many peers;
 * a received message names its pipe, and a send goes to the pipe it names (0 or none: the
 * first pipe, as NNG), never blocking — to a pipe that is gone or full it is dropped, counted in
 * stats.droppedSends.
 */
import { readU32, u32Bytes, type Bytes } from '../bytes.js';
import { spError, type SpError } from '../errors.js';
import { Message } from '../message.js';
import type { Pipe } from '../pipe.js';
import { SingleContextProtocol } from './base.js';
import { FairQueue } from './fair-queue.js';
import { PROTOCOL_IDS } from './ids.js';
import type { PipeState } from './pipe-state.js';
import type { ProtocolFactory, ProtocolHost, ProtocolInfo } from './protocol.js';

const info: ProtocolInfo = { name: 'pair1', id: PROTOCOL_IDS.pair1, peer: PROTOCOL_IDS.pair1, canSend: true, canRecv: true, contexts: false };

/** The largest hop count a PAIR v1 header may carry (NNG closes the pipe above it). */
const MAX_HOPS = 0xff;

/** A cooked send's header, shared: every transport copies a header before send returns. */
const ONE_HOP = new Uint8Array([0, 0, 0, 1]);

class Pair1 extends SingleContextProtocol {
  /** Attached pipes in the order they came; the first is where an unaddressed send goes. */
  private readonly peers: PipeState[] = [];
  private readonly inbound: FairQueue;

  constructor(
    host: ProtocolHost,
    raw: boolean,
    private readonly polyamorous: boolean,
  ) {
    super(info, host, raw);
    this.inbound = new FairQueue(host);
  }

  override attach(pipe: Pipe): SpError | undefined {
    const peer = this.peers[0];
    if (peer && !this.polyamorous) return spError('EISCONN', `PAIR v1 already has a peer (pipe ${peer.pipe.id}); the new connection is refused`);
    return super.attach(pipe);
  }

  protected added(state: PipeState): void {
    this.peers.push(state);
    if (!this.polyamorous) this.host.writable();
  }

  protected removed(state: PipeState): void {
    const index = this.peers.indexOf(state);
    if (index >= 0) this.peers.splice(index, 1);
    this.inbound.detach(state);
  }

  received(state: PipeState, payload: Bytes): void {
    // the count is big-endian and at most 0xff: its first three bytes are zero
    if (payload.length >= 4 && ((payload[0] as number) | (payload[1] as number) | (payload[2] as number)) === 0) {
      // too many hops: dropped, counted, and the pipe stays up (NNG's ttl_drop)
      if ((payload[3] as number) > this.host.options.maxTtl) return this.dropMalformed();
      return this.inbound.push(state, payload);
    }
    this.dropMalformed();
    const why = payload.length < 4 ? `${payload.length} bytes, shorter than its 4-byte hop count` : `a hop count of ${readU32(payload, 0)}, above ${MAX_HOPS}`;
    state.pipe.reject(spError('EPROTO', `a PAIR v1 message with ${why}: the peer breaks the protocol`));
  }

  override drained(state: PipeState): void {
    if (!this.polyamorous && state === this.peers[0]) this.host.writable();
  }

  override send(body: Uint8Array, header: Uint8Array, pipe = 0): boolean {
    const hopBytes = this.raw ? u32Bytes(this.forwardedHops(header)) : ONE_HOP;
    if (!this.polyamorous) {
      const peer = this.peers[0]?.pipe;
      if (!peer || !peer.writable) return false;
      peer.send(hopBytes, body);
      return true;
    }
    const target = pipe === 0 ? this.peers[0] : this.states.byPipeId(pipe);
    if (!target || !target.attached || !target.pipe.writable) {
      this.host.stats.droppedSends++;
      return true;
    }
    target.pipe.send(hopBytes, body);
    return true;
  }

  /** The count a raw send puts on the wire: the one it was given, plus this hop. */
  private forwardedHops(header: Uint8Array): number {
    if (header.length !== 4) throw spError('EINVAL', `a raw PAIR v1 header is the 4-byte hop count, got ${header.length} bytes`);
    const hops = readU32(header, 0);
    if (hops >= MAX_HOPS) throw spError('EINVAL', `a raw PAIR v1 hop count must be below ${MAX_HOPS}, got ${hops}`);
    return hops + 1;
  }

  recvBody(): Bytes | undefined {
    return this.inbound.shift()?.subarray(4);
  }

  override recv(): Message | undefined {
    const payload = this.inbound.shift();
    if (!payload) return undefined;
    return Message.split(payload, 4, (this.inbound.from as PipeState).pipe.id);
  }

  override pollIn(): boolean {
    return this.inbound.hasMessages;
  }

  override pollOut(): boolean {
    if (this.polyamorous) return true;
    const peer = this.peers[0];
    return peer !== undefined && peer.pipe.writable;
  }
}


export const pair1: ProtocolFactory = { info, create: (host, raw, _context, mode) => new Pair1(host, raw, mode.polyamorous) };
