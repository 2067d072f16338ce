import { ErrorCode, MtaError } from '../errors.ts';

// The record types the sidecars ask for themselves (node's resolver hides the AD bit, so DANE decisions cannot use it).
export const RR = { A: 1, MX: 15, TXT: 16, AAAA: 28, TLSA: 52, OPT: 41 } as const;
export type RrType = (typeof RR)[keyof typeof RR];

export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

export class DnsWireError extends MtaError {
  constructor(message: string) {
    super(ErrorCode.Protocol, message);
    this.name = 'DnsWireError';
  }
}

// One answer record, its data decoded for the types above (raw bytes otherwise).
export type DnsRecord =
  | { type: typeof RR.MX; name: string; ttl: number; preference: number; exchange: string }
  | { type: typeof RR.TXT; name: string; ttl: number; text: string }
  | { type: typeof RR.TLSA; name: string; ttl: number; usage: number; selector: number; matching: number; data: Buffer }
  | { type: number; name: string; ttl: number; raw: Buffer };

export interface DnsResponse {
  id: number;
  rcode: number;
  // Authenticated Data: the (validating) resolver checked the DNSSEC chain of every answer record.
  ad: boolean;
  truncated: boolean;
  answers: DnsRecord[];
}

// A query for one name and type with EDNS0 (4096-byte UDP answers) and the DO bit, plus AD=1 in the header, which
// asks a validating resolver to tell whether the answer is authenticated (RFC 6840 §5.7).
export function encodeQuery(id: number, name: string, type: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  // RD (recursion desired) and AD.
  header.writeUInt16BE(0x0120, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 10);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(type, 0);
  q.writeUInt16BE(1, 2);
  // OPT: root name, type 41, class = UDP size, TTL = extended rcode/version/flags (DO = 0x8000), no options.
  const opt = Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0]);
  return Buffer.concat([header, encodeName(name), q, opt]);
}

export function encodeName(name: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((l) => l !== '');
  const parts: Buffer[] = [];
  for (const l of labels) {
    const b = Buffer.from(l, 'ascii');
    if (b.length > 63) throw new DnsWireError(`label too long in ${name}`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > 255) throw new DnsWireError(`name too long: ${name}`);
  return out;
}

// Reads a (possibly compressed) name at `at`; `end` is where the name ends in the record that holds it.
export function decodeName(msg: Buffer, at: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = at;
  let end = -1;
  // Each pointer must go backwards, so a loop of pointers cannot run forever.
  let limit = at;
  for (let hops = 0; hops < 128; hops++) {
    const len = byteAt(msg, i);
    if (len === 0) return { name: labels.join('.').toLowerCase(), end: end < 0 ? i + 1 : end };
    if ((len & 0xc0) === 0xc0) {
      const to = ((len & 0x3f) << 8) | byteAt(msg, i + 1);
      if (end < 0) end = i + 2;
      if (to >= limit) throw new DnsWireError('name pointer does not point backwards');
      limit = to;
      i = to;
      continue;
    }
    if (len > 63) throw new DnsWireError('bad label length');
    if (i + 1 + len > msg.length) throw new DnsWireError('label beyond the message');
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('latin1'));
    i += 1 + len;
  }
  throw new DnsWireError('name too long');
}

function byteAt(msg: Buffer, i: number): number {
  const b = msg[i];
  if (b === undefined) throw new DnsWireError('truncated message');
  return b;
}

function u16(msg: Buffer, i: number): number {
  if (i + 2 > msg.length) throw new DnsWireError('truncated message');
  return msg.readUInt16BE(i);
}

function rdata(msg: Buffer, type: number, name: string, ttl: number, start: number, len: number): DnsRecord {
  const raw = msg.subarray(start, start + len);
  if (type === RR.MX) {
    if (len < 3) throw new DnsWireError('short MX record');
    return { type, name, ttl, preference: u16(msg, start), exchange: decodeName(msg, start + 2).name };
  }
  if (type === RR.TXT) {
    // One record is one or more character strings, joined without separators (RFC 7208 §3.3, RFC 8461 §3.1).
    const parts: string[] = [];
    for (let i = 0; i < raw.length; ) {
      const l = byteAt(raw, i);
      if (i + 1 + l > raw.length) throw new DnsWireError('TXT string beyond its record');
      parts.push(raw.subarray(i + 1, i + 1 + l).toString('latin1'));
      i += 1 + l;
    }
    return { type, name, ttl, text: parts.join('') };
  }
  if (type === RR.TLSA) {
    if (len < 3) throw new DnsWireError('short TLSA record');
    return {
      type,
      name,
      ttl,
      usage: byteAt(raw, 0),
      selector: byteAt(raw, 1),
      matching: byteAt(raw, 2),
      data: Buffer.from(raw.subarray(3)),
    };
  }
  return { type, name, ttl, raw: Buffer.from(raw) };
}

// Decodes a response: header flags and the answer section (authority and additional records are not needed).
export function decodeResponse(msg: Buffer): DnsResponse {
  if (msg.length < 12) throw new DnsWireError('message shorter than a header');
  const flags = u16(msg, 2);
  if (!(flags & 0x8000)) throw new DnsWireError('not a response');
  const qd = u16(msg, 4);
  const an = u16(msg, 6);
  let i = 12;
  for (let n = 0; n < qd; n++) i = decodeName(msg, i).end + 4;
  const answers: DnsRecord[] = [];
  for (let n = 0; n < an; n++) {
    const { name, end } = decodeName(msg, i);
    const type = u16(msg, end);
    if (end + 10 > msg.length) throw new DnsWireError('truncated record');
    const ttl = msg.readUInt32BE(end + 4);
    const len = u16(msg, end + 8);
    const start = end + 10;
    if (start + len > msg.length) throw new DnsWireError('record data beyond the message');
    answers.push(rdata(msg, type, name, ttl, start, len));
    i = start + len;
  }
  return { id: u16(msg, 0), rcode: flags & 0x0f, ad: !!(flags & 0x0020), truncated: !!(flags & 0x0200), answers };
}
