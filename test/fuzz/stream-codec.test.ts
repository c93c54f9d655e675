import { fuzzSuite } from './harness/suite.js';
import { streamCodecProperties } from './stream-codec.props.js';

fuzzSuite('fuzz: SP stream codec', streamCodecProperties);
