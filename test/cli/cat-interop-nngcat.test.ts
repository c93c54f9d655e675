/** `nanosp cat` against nngcat (NNG 1.5.2): every pattern but BUS (nngcat has none), both sides. */
import { defineInterop, NNGCAT } from './cat-interop-cases.js';

defineInterop(NNGCAT);
