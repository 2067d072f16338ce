// One byte-stream framer for the protocols we speak (milter packets, postfix's socketmap netstrings, the TLS-RPT
// relay's length frames): bytes go in as they arrive, whole frames come out, and a protocol only says how to cut one
// frame off the front. A cut that throws ends the stream (the caller hangs up): a bad length cannot be resynchronised.
export type Cut<T> = (buf: Buffer) => { frame: T; used: number } | undefined;

export class StreamFramer<T> {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly cut: Cut<T>) {}

  push(chunk: Buffer): T[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: T[] = [];
    for (let next = this.cut(this.buf); next; next = this.cut(this.buf)) {
      out.push(next.frame);
      this.buf = this.buf.subarray(next.used);
    }
    // A small remainder must not keep a large consumed buffer alive.
    if (this.buf.length && this.buf.byteOffset > 65536) this.buf = Buffer.from(this.buf);
    return out;
  }

  // Bytes of an incomplete frame still waiting.
  get pending(): number {
    return this.buf.length;
  }
}
