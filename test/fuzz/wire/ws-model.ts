/**
 * What RFC 6455 (and nanomsg, for limits and text) says a WebSocket receiver makes of a
 * sequence of whole frames: messages, pings, a Close, or the failure that ends it all, with
 * its close code. Written from the RFC to judge nanosp's WsDecoder, not from the decoder.
 */
import { OP, type FrameSpec } from './ws-frame.js';

export type WsEvent =
  | { readonly kind: 'message'; readonly payload: Buffer; readonly text: boolean }
  | { readonly kind: 'ping'; readonly payload: Buffer }
  | { readonly kind: 'close'; readonly code: number | undefined }
  | { readonly kind: 'failure'; readonly closeCode: number };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function isUtf8(bytes: Buffer): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A data message being gathered from its fragments. */
interface Gathering {
  op: number;
  parts: Buffer[];
  size: number;
}

/** What a frame's header alone breaks (its close code), checked before any of its payload counts. */
function headerFailure(f: FrameSpec, message: Gathering | undefined, expectMasked: boolean, recvMaxSize: number): number | undefined {
  if (f.rsv !== 0 || f.masked !== expectMasked) return 1002;
  if (f.op >= 8) {
    if (f.op !== OP.close && f.op !== OP.ping && f.op !== OP.pong) return 1002;
    return !f.fin || f.payload.length > 125 ? 1002 : undefined;
  }
  if (f.op === OP.continuation ? !message : f.op !== OP.text && f.op !== OP.binary ? true : message !== undefined) return 1002;
  const size = (message?.size ?? 0) + f.payload.length;
  return recvMaxSize >= 0 && size > recvMaxSize ? 1009 : undefined;
}

export interface WsOutcome {
  readonly events: WsEvent[];
  /** The frames stop inside a frame or a fragmented message: an end now cuts it short. */
  readonly open: boolean;
}

/** The events a receiver reports for `frames`, in order, up to the first Close or failure. */
export function expectedEvents(frames: readonly FrameSpec[], expectMasked: boolean, recvMaxSize: number): WsEvent[] {
  return expectedOutcome(frames, expectMasked, recvMaxSize).events;
}

/**
 * The events for `frames`, then for `cutFrame` when given: a frame of which only the header
 * (`headerWhole`) or less arrived, whose header is checked once it is whole.
 */
export function expectedOutcome(frames: readonly FrameSpec[], expectMasked: boolean, recvMaxSize: number, cutFrame?: { frame: FrameSpec; headerWhole: boolean }): WsOutcome {
  const events: WsEvent[] = [];
  let message: Gathering | undefined;
  const fail = (closeCode: number): WsOutcome => ({ events: [...events, { kind: 'failure', closeCode }], open: false });
  for (const f of frames) {
    const bad = headerFailure(f, message, expectMasked, recvMaxSize);
    if (bad !== undefined) return fail(bad);
    if (f.op >= 8) {
      if (f.op === OP.ping) events.push({ kind: 'ping', payload: f.payload });
      if (f.op === OP.close) {
        if (f.payload.length === 1) return fail(1002);
        return { events: [...events, { kind: 'close', code: f.payload.length >= 2 ? f.payload.readUInt16BE(0) : undefined }], open: false };
      }
      continue;
    }
    message ??= { op: f.op, parts: [], size: 0 };
    message.size += f.payload.length;
    message.parts.push(f.payload);
    if (!f.fin) continue;
    const payload = Buffer.concat(message.parts);
    const text = message.op === OP.text;
    message = undefined;
    if (text && !isUtf8(payload)) return fail(1007);
    events.push({ kind: 'message', payload, text });
  }
  if (cutFrame?.headerWhole) {
    const bad = headerFailure(cutFrame.frame, message, expectMasked, recvMaxSize);
    if (bad !== undefined) return fail(bad);
  }
  return { events, open: cutFrame !== undefined || message !== undefined };
}
