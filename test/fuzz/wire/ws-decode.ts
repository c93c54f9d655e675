/** nanosp's WsDecoder driven over chunks, its reports collected as the model's events. */
import { ok } from 'node:assert/strict';
import { WsDecoder } from '../../../src/node/transport/ws/receiver.js';
import type { WsEvent } from './ws-model.js';

export interface WsDecoded {
  readonly events: WsEvent[];
  readonly partial: boolean;
}

/**
 * Feed `pieces` (the decoder unmasks them in place: pass copies) until the decoder fails or
 * reports Close, as a pipe does. Failures are checked to be SpErrors that match their code.
 */
export function decodeWs(expectMasked: boolean, recvMaxSize: number, pieces: readonly Buffer[]): WsDecoded {
  const events: WsEvent[] = [];
  let closed = false;
  const decoder = new WsDecoder(
    expectMasked,
    {
      wsMessage: (payload, text) => void events.push({ kind: 'message', payload: Buffer.from(payload), text }),
      wsPing: (payload) => void events.push({ kind: 'ping', payload: Buffer.from(payload) }),
      wsClose: (code) => {
        closed = true;
        events.push({ kind: 'close', code });
      },
    },
    { recvMaxSize },
  );
  for (const piece of pieces) {
    const failure = decoder.push(piece);
    if (failure) {
      ok(failure.error.code === (failure.closeCode === 1009 ? 'EMSGSIZE' : 'EPROTO'), `${failure.closeCode} came as ${failure.error.code}`);
      events.push({ kind: 'failure', closeCode: failure.closeCode });
      break;
    }
    if (closed) break;
  }
  return { events, partial: decoder.partial };
}
