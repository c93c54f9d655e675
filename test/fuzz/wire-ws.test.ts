import { fuzzSuite } from './harness/suite.js';
import { wireWsProperties } from './wire-ws.props.js';

fuzzSuite('fuzz: SP over WebSocket, end to end', wireWsProperties);
