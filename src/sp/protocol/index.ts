/** The socket types nanosp speaks, by name. */
import { spError } from '../errors.js';
import { bus } from './bus.js';
import { pair } from './pair.js';
import { pair1 } from './pair1.js';
import type { ProtocolFactory, SocketType } from './protocol.js';
import { pub } from './pub.js';
import { pull } from './pull.js';
import { push } from './push.js';
import { req } from './req.js';
import { rep, respondent } from './responder.js';
import { sub } from './sub.js';
import { surveyor } from './surveyor.js';

const FACTORIES: Record<SocketType, ProtocolFactory> = { pair, pair1, pub, sub, req, rep, push, pull, surveyor, respondent, bus };

export const SOCKET_TYPES: readonly SocketType[] = ['pair', 'pair1', 'pub', 'sub', 'req', 'rep', 'push', 'pull', 'surveyor', 'respondent', 'bus'];

export function protocolFactory(type: unknown): ProtocolFactory {
  if (typeof type === 'string' && Object.hasOwn(FACTORIES, type)) return FACTORIES[type as SocketType];
  throw spError('EINVAL', `unknown socket type ${JSON.stringify(type)}; it must be one of ${SOCKET_TYPES.join(', ')}`);
}
