import { fuzzSuite } from './harness/suite.js';
import { wsHandshakeProperties } from './ws-handshake.props.js';

fuzzSuite('fuzz: WebSocket handshake', wsHandshakeProperties);
