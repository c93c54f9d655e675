/**
 * The kernel, for decoders that read through SlabReader: `stream` is delivered in reads of the
 * given sizes (cycled), each at most what the reader offers, into the buffer it offers (the
 * slab, or the decoder's own allocation when it asks for one).
 */
import { SlabReader, type ReadSink } from '../../../src/node/transport/read-slab.js';

export function readThrough(stream: Buffer, readSizes: readonly number[], sink: ReadSink): void {
  const reader = new SlabReader();
  reader.attach(sink);
  let at = 0;
  for (let i = 0; at < stream.length; i++) {
    const buf = reader.buffer();
    const n = Math.min(buf.length, readSizes[i % readSizes.length] as number, stream.length - at);
    stream.copy(buf, 0, at, at + n);
    reader.callback(n, buf);
    at += n;
  }
}
