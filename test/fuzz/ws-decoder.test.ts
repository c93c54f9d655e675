import { fuzzSuite } from './harness/suite.js';
import { wsDecoderProperties } from './ws-decoder.props.js';

fuzzSuite('fuzz: WebSocket frame decoder', wsDecoderProperties);
