/** Every fuzz property, by the suite file that runs it, for the nightly runner (run.ts). */
import { addressProperties } from './addresses.props.js';
import { catArgsProperties } from './cat-args.props.js';
import { estpProperties } from './estp.props.js';
import type { FuzzProperty } from './harness/property.js';
import { protocolProperties } from './protocols.props.js';
import { streamCodecProperties } from './stream-codec.props.js';
import { wireStreamProperties } from './wire-stream.props.js';
import { wireWsHandshakeProperties } from './wire-ws-handshake.props.js';
import { wireWsProperties } from './wire-ws.props.js';
import { wsDecoderProperties } from './ws-decoder.props.js';
import { wsHandshakeProperties } from './ws-handshake.props.js';

export const ALL_PROPERTIES: readonly FuzzProperty[] = [
  ...streamCodecProperties,
  ...wsDecoderProperties,
  ...wsHandshakeProperties,
  ...estpProperties,
  ...catArgsProperties,
  ...addressProperties,
  ...protocolProperties,
  ...wireStreamProperties,
  ...wireWsProperties,
  ...wireWsHandshakeProperties,
];
