import { fuzzSuite } from './harness/suite.js';
import { wireStreamProperties } from './wire-stream.props.js';

fuzzSuite('fuzz: SP over TCP and IPC, end to end', wireStreamProperties);
