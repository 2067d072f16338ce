import { ErrorCode, MtaError } from '@mta/shared';

// Postfix's socketmap protocol frames requests and replies as netstrings ("<length>:<bytes>,"), djb's format.
export const encodeNetstring = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from(`${b.length}:`), b, Buffer.from(',')]);
};

export class NetstringError extends MtaError {
  constructor(message: string) {
    super(ErrorCode.Protocol, message);
    this.name = 'NetstringError';
  }
}

// Takes bytes as they arrive and hands out whole netstrings; a malformed or oversized one throws (the caller hangs up).
export class NetstringReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly max: number) {}

  push(chunk: Buffer): string[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: string[] = [];
    for (;;) {
      const colon = this.buf.indexOf(0x3a);
      if (colon < 0) {
        if (this.buf.length > 10) throw new NetstringError('netstring length too long');
        if (!/^\d*$/.test(this.buf.toString('latin1'))) throw new NetstringError('netstring length is not a number');
        return out;
      }
      const head = this.buf.subarray(0, colon).toString('latin1');
      if (!/^\d{1,10}$/.test(head)) throw new NetstringError('netstring length is not a number');
      const len = Number(head);
      if (len > this.max) throw new NetstringError(`netstring longer than ${this.max} bytes`);
      if (this.buf.length < colon + 1 + len + 1) return out;
      if (this.buf[colon + 1 + len] !== 0x2c) throw new NetstringError('netstring without its comma');
      out.push(this.buf.subarray(colon + 1, colon + 1 + len).toString('utf8'));
      this.buf = this.buf.subarray(colon + 2 + len);
    }
  }
}
