import { fuzzSuite } from './harness/suite.js';
import { wireWsHandshakeProperties } from './wire-ws-handshake.props.js';

fuzzSuite('fuzz: the WebSocket handshake, end to end', wireWsHandshakeProperties);
