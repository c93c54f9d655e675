/**
 * nn_device: forward messages between two raw sockets, headers included, until one of them
 * closes. One socket alone is a loopback device (a BUS rebroadcaster; raw BUS headers keep a
 * message from going back where it came from). Like nanomsg, it only ends by failing: with
 * EBADF once a socket is closed.
 */
import { protocolName } from './protocol/ids.js';
import { spError, SpError } from './errors.js';
import { SpSocket } from './socket.js';

const FOREVER = { timeout: -1 };

async function forward(from: SpSocket, to: SpSocket, stop: AbortSignal): Promise<void> {
  const wait = { timeout: -1, signal: stop };
  for (;;) {
    const message = await from.recvMessage(wait);
    await to.sendMessage(message, FOREVER);
  }
}

function check(s: SpSocket, which: string): void {
  if (!(s instanceof SpSocket)) throw spError('EINVAL', `device: the ${which} argument is not a nanosp socket`);
  if (s.closed) throw spError('EBADF', `device: the ${which} socket is closed`);
  if (!s.raw) throw spError('EINVAL', `device: the ${which} socket (${s.type}) must be raw: socket('${s.type}', { raw: true })`);
}

/**
 * Forward between `a` and `b` (or loop `a` back to itself when `b` is omitted). Both must be
 * raw and of the same protocol family, and at least one of them must be able to receive what
 * the other can send. The promise rejects with EBADF when either socket closes.
 */
export async function device(a: SpSocket, b?: SpSocket): Promise<never> {
  check(a, 'first');
  const other = b ?? a;
  if (b) {
    check(b, 'second');
    if (a.protocolId >> 4 !== b.protocolId >> 4) {
      throw spError('EINVAL', `device: ${a.type} and ${b.type} sockets are of different protocol families`);
    }
    // nanomsg's nn_sock_ispeer: each must be the other's peer (this also keeps PAIR v0 and v1,
    // one family number but two wire formats, and two sockets of one role apart)
    if (a.protocolId !== b.peerProtocolId) {
      throw spError('EINVAL', `device: ${a.type} and ${b.type} sockets are not peers of each other (a ${a.type} talks to ${protocolName(a.peerProtocolId)})`);
    }
  }
  const directions: [SpSocket, SpSocket][] = [];
  if (a.canRecv && other.canSend) directions.push([a, other]);
  if (b && b.canRecv && a.canSend) directions.push([b, a]);
  if (directions.length === 0) {
    throw spError('EINVAL', `device: nothing can flow between ${a.type} and ${other.type} (neither receives what the other sends)`);
  }
  const stop = new AbortController();
  // a one-way device waits only on its receiving socket: the sending one's close must end it too
  const onClose = () => stop.abort();
  a.once('close', onClose);
  b?.once('close', onClose);
  try {
    await Promise.race(directions.map(([from, to]) => forward(from, to, stop.signal)));
  } catch (err) {
    if (err instanceof SpError && (err.code === 'EBADF' || err.code === 'EINTR')) {
      throw spError('EBADF', `device: ${a.closed ? 'the first' : 'the second'} socket was closed`);
    }
    throw err;
  } finally {
    // the other direction's pending receive must not take a message it cannot deliver
    stop.abort();
    a.off('close', onClose);
    b?.off('close', onClose);
  }
  throw spError('EBADF', 'device: stopped'); // not reached: forward only ends by throwing
}
