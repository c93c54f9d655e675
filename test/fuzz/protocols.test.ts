import { fuzzSuite } from './harness/suite.js';
import { protocolProperties } from './protocols.props.js';

fuzzSuite('fuzz: SP headers in the protocols', protocolProperties);
