/** `nanosp cat` against nanocat (libnanomsg 1.1.5): every pattern, BUS included, both sides. */
import { defineInterop, NANOCAT } from './cat-interop-cases.js';

defineInterop(NANOCAT);
