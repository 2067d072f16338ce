import { ErrorCode, MtaError, StreamFramer } from '@mta/shared';

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
export class NetstringReader extends StreamFramer<string> {
  constructor(max: number) {
    super((buf) => {
      const colon = buf.indexOf(0x3a);
      if (colon < 0) {
        if (buf.length > 10) throw new NetstringError('netstring length too long');
        if (!/^\d*$/.test(buf.toString('latin1'))) throw new NetstringError('netstring length is not a number');
        return undefined;
      }
      const head = buf.subarray(0, colon).toString('latin1');
      if (!/^\d{1,10}$/.test(head)) throw new NetstringError('netstring length is not a number');
      const len = Number(head);
      if (len > max) throw new NetstringError(`netstring longer than ${max} bytes`);
      if (buf.length < colon + 1 + len + 1) return undefined;
      if (buf[colon + 1 + len] !== 0x2c) throw new NetstringError('netstring without its comma');
      return { frame: buf.subarray(colon + 1, colon + 1 + len).toString('utf8'), used: colon + 2 + len };
    });
  }
}
