/**
 * SP over WebSocket names each socket type in `Sec-WebSocket-Protocol` (spec/wire.md §1.5,
 * spec/nng.md §5): `<type>.sp.nanomsg.org`, where a client names the *server's* type. Shared by
 * the Node transport (both roles) and the browser's (client only).
 */

/** The socket type behind each SP protocol id, as the WebSocket names spell it. */
const SP_TYPES: ReadonlyMap<number, string> = new Map([
  [0x10, 'pair'],
  [0x11, 'pair1'], // NNG and mangos only; nanomsg does not know it
  [0x20, 'pub'],
  [0x21, 'sub'],
  [0x30, 'req'],
  [0x31, 'rep'],
  [0x50, 'push'],
  [0x51, 'pull'],
  [0x62, 'surveyor'],
  [0x63, 'respondent'],
  [0x70, 'bus'],
]);

const SUFFIX = '.sp.nanomsg.org';

/** Every name a known socket type is offered under. */
export const KNOWN_WS_NAMES: ReadonlySet<string> = new Set([...SP_TYPES.values()].map((t) => t + SUFFIX));

/** `rep.sp.nanomsg.org` for 0x31, and so on. */
export function wsProtocolName(protocolId: number): string {
  const type = SP_TYPES.get(protocolId);
  return type === undefined ? `0x${protocolId.toString(16)}${SUFFIX}` : type + SUFFIX;
}
