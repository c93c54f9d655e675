/** SP protocol ids (spec/wire.md §2): protocol number × 16 + role. */
import type { SocketType } from './protocol.js';

export const PROTOCOL_IDS: Readonly<Record<SocketType, number>> = {
  pair: 0x10,
  pair1: 0x11,
  pub: 0x20,
  sub: 0x21,
  req: 0x30,
  rep: 0x31,
  push: 0x50,
  pull: 0x51,
  surveyor: 0x62,
  respondent: 0x63,
  bus: 0x70,
};

const NAMES = new Map<number, string>([
  ...Object.entries(PROTOCOL_IDS).map(([name, id]) => [id, name.toUpperCase()] as [number, string]),
  [0x11, 'PAIR v1'],
  [0x60, 'SURVEYOR (old, roles 0/1)'],
  [0x61, 'RESPONDENT (old, roles 0/1)'],
]);

/** A readable name for a protocol id, also for ids nanosp does not speak. */
export function protocolName(id: number): string {
  return NAMES.get(id) ?? `unknown`;
}
