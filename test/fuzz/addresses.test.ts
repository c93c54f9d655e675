import { addressProperties } from './addresses.props.js';
import { fuzzSuite } from './harness/suite.js';

fuzzSuite('fuzz: endpoint addresses', addressProperties);
