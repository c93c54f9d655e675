/** The socket types nanosp speaks, by name. */
import { spError } from '../errors.js';
import { pair } from './pair.js';
import type { ProtocolFactory, SocketType } from './protocol.js';
import { pub } from './pub.js';
import { pull } from './pull.js';
import { push } from './push.js';
import { sub } from './sub.js';

const FACTORIES: Partial<Record<SocketType, ProtocolFactory>> = { pair, pub, sub, push, pull };

export const SOCKET_TYPES: readonly SocketType[] = ['pair', 'pub', 'sub', 'req', 'rep', 'push', 'pull', 'surveyor', 'respondent', 'bus'];

export function protocolFactory(type: unknown): ProtocolFactory {
  const factory = typeof type === 'string' ? FACTORIES[type as SocketType] : undefined;
  if (factory) return factory;
  if (typeof type === 'string' && (SOCKET_TYPES as readonly string[]).includes(type)) {
    throw spError('EPROTONOSUPPORT', `the ${type} socket type is not implemented yet`);
  }
  throw spError('EINVAL', `unknown socket type ${JSON.stringify(type)}; it must be one of ${SOCKET_TYPES.join(', ')}`);
}
