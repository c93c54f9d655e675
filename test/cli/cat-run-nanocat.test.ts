/** The cases of cat-run-cases.ts against the real nanocat (libnanomsg 1.1.5): the behaviour nanosp cat copies. */
import { defineRunCases } from './cat-run-cases.js';

defineRunCases('nanocat');
