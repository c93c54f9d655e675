import { estpProperties } from './estp.props.js';
import { fuzzSuite } from './harness/suite.js';

fuzzSuite('fuzz: ESTP records', estpProperties);
