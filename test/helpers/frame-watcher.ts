/**
 * Following an SP byte stream (TCP mapping: the 8-byte header, then frames of a 64-bit
 * big-endian length and a payload) from the side, to find a point in the middle of a frame:
 * where the fault proxy stalls a connection, so that the receiver holds half a message.
 */
const SP_HEADER_SIZE = 8;
const LENGTH_SIZE = 8;

export class FrameWatcher {
  /** Bytes of the stream seen so far. */
  private seen = 0;
  /** Where the next frame's length field starts. */
  private nextLengthAt = SP_HEADER_SIZE;
  private readonly length = Buffer.alloc(LENGTH_SIZE);
  private lengthFill = 0;
  private frames = 0;
  private cutAt = Infinity;

  /** Cut halfway into the payload of frame `frame` (from 0), or of the first later one with 2 bytes or more. */
  constructor(private readonly frame: number) {}

  /** How many bytes of `chunk` come before the cut: all of them while the cut is further on. */
  feed(chunk: Buffer): number {
    const start = this.seen;
    for (let i = 0; i < chunk.length && this.cutAt === Infinity; ) {
      const at = start + i;
      if (at < this.nextLengthAt) {
        i += Math.min(this.nextLengthAt - at, chunk.length - i);
        continue;
      }
      this.length[this.lengthFill++] = chunk[i++] as number;
      if (this.lengthFill < LENGTH_SIZE) continue;
      this.lengthFill = 0;
      const size = Number(this.length.readBigUInt64BE());
      const payloadAt = this.nextLengthAt + LENGTH_SIZE;
      if (this.frames++ >= this.frame && size >= 2) this.cutAt = payloadAt + Math.floor(size / 2);
      this.nextLengthAt = payloadAt + size;
    }
    this.seen += chunk.length;
    return Math.max(0, Math.min(chunk.length, this.cutAt - start));
  }
}
