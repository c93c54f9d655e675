import { catArgsProperties } from './cat-args.props.js';
import { fuzzSuite } from './harness/suite.js';

fuzzSuite('fuzz: nanosp cat arguments', catArgsProperties);
