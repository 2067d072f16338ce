import { ErrorCode, MtaError } from '../errors.ts';
import { StreamFramer } from '../frames.ts';
// The Sendmail milter protocol as postfix speaks it (protocol version 6; postfix's milter8.c and libmilter's
// mfdef.h are the references). A packet is a 32-bit big-endian length, a command byte and length-1 bytes of data.

export const MILTER_VERSION = 6;

// MTA -> milter.
export const Cmd = {
  Abort: 'A',
  Body: 'B',
  Connect: 'C',
  Macro: 'D',
  EndOfBody: 'E',
  Helo: 'H',
  QuitNewConnection: 'K',
  Header: 'L',
  Mail: 'M',
  EndOfHeaders: 'N',
  OptNeg: 'O',
  Quit: 'Q',
  Rcpt: 'R',
  Data: 'T',
  Unknown: 'U',
} as const;

// Milter -> MTA.
export const Reply = {
  Accept: 'a',
  Continue: 'c',
  Reject: 'r',
  TempFail: 't',
  ReplyCode: 'y',
  OptNeg: 'O',
  AddHeader: 'h',
  InsertHeader: 'i',
  ChangeHeader: 'm',
} as const;

// Actions a milter may take at end of message (SMFIF_*), asked for in its option reply.
export const Action = { AddHeaders: 0x1, ChangeHeaders: 0x10 } as const;

// Protocol bits: events the milter does not want (NO*), events it will not answer (NR_*).
export const Proto = {
  NoConnect: 0x1,
  NoHelo: 0x2,
  NoMail: 0x4,
  NoRcpt: 0x8,
  NoBody: 0x10,
  NoHeaders: 0x20,
  NoEoh: 0x40,
  NoReplyHeader: 0x80,
  NoUnknown: 0x100,
  NoData: 0x200,
  NoReplyConnect: 0x1000,
  NoReplyHelo: 0x2000,
  NoReplyMail: 0x4000,
  NoReplyRcpt: 0x8000,
  NoReplyData: 0x10000,
  NoReplyUnknown: 0x20000,
  NoReplyEoh: 0x40000,
  NoReplyBody: 0x80000,
} as const;

// Macro stages for the list a milter asks for in its option reply (SMFIM_*).
export const Stage = { Connect: 0, Helo: 1, Mail: 2, Rcpt: 3, Data: 4, EndOfMessage: 5, EndOfHeaders: 6 } as const;

// Which events expect an answer, and the NR bit that silences each.
export const ANSWERED: Record<string, number> = {
  [Cmd.Connect]: Proto.NoReplyConnect,
  [Cmd.Helo]: Proto.NoReplyHelo,
  [Cmd.Mail]: Proto.NoReplyMail,
  [Cmd.Rcpt]: Proto.NoReplyRcpt,
  [Cmd.Data]: Proto.NoReplyData,
  [Cmd.Unknown]: Proto.NoReplyUnknown,
  [Cmd.Header]: Proto.NoReplyHeader,
  [Cmd.EndOfHeaders]: Proto.NoReplyEoh,
  [Cmd.Body]: Proto.NoReplyBody,
  [Cmd.EndOfBody]: 0,
};

export interface Packet {
  cmd: string;
  data: Buffer;
}

// postfix sent what the milter protocol does not allow: the connection is dropped.
export class MilterProtocolError extends MtaError {
  constructor(message: string) {
    super(ErrorCode.Protocol, message);
  }
}

// Cuts a byte stream into packets. A length of zero or above `maxPacket` cannot be resynchronised: it throws, and
// the connection is dropped (postfix then applies milter_default_action).
export class PacketReader extends StreamFramer<Packet> {
  constructor(maxPacket: number) {
    super((buf) => {
      if (buf.length < 4) return undefined;
      const len = buf.readUInt32BE(0);
      if (len < 1 || len > maxPacket) throw new MilterProtocolError(`packet length ${len} outside 1..${maxPacket}`);
      if (buf.length < 4 + len) return undefined;
      return { frame: { cmd: String.fromCharCode(buf[4] as number), data: buf.subarray(5, 4 + len) }, used: 4 + len };
    });
  }
}

export function packet(cmd: string, data: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(data.length + 1, 0);
  head.write(cmd, 4, 'latin1');
  return Buffer.concat([head, data]);
}

// NUL-terminated strings of a packet (macro pairs, header name and value, MAIL arguments); a missing last NUL
// is tolerated, bytes are kept as latin1 so nothing is lost or replaced.
export function cstrings(data: Buffer): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) {
      out.push(data.toString('latin1', start, i));
      start = i + 1;
    }
  }
  if (start < data.length) out.push(data.toString('latin1', start));
  return out;
}

export interface OptNeg {
  version: number;
  actions: number;
  protocol: number;
}

export function parseOptNeg(data: Buffer): OptNeg {
  if (data.length < 12) throw new MilterProtocolError(`option negotiation of ${data.length} bytes, expected 12`);
  return { version: data.readUInt32BE(0), actions: data.readUInt32BE(4), protocol: data.readUInt32BE(8) };
}

// The option reply: what this milter uses of what the MTA offered, and the macros it wants per stage.
export function optNegReply(o: OptNeg, macros: Partial<Record<number, string>> = {}): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32BE(o.version, 0);
  head.writeUInt32BE(o.actions, 4);
  head.writeUInt32BE(o.protocol, 8);
  const lists = Object.entries(macros).map(([stage, names]) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(Number(stage), 0);
    return Buffer.concat([b, Buffer.from(`${names}\0`, 'latin1')]);
  });
  return packet(Reply.OptNeg, Buffer.concat([head, ...lists]));
}

// An SMTP reply for the MTA to give ("550 5.7.1 text"); the text must be printable ASCII without "%" (postfix
// would read it as a format), and never carries client-chosen text.
export function replyCode(code: number, dsn: string, text: string): Buffer {
  const safe = text.replace(/[^\x20-\x7e]|%/g, '?');
  return packet(Reply.ReplyCode, Buffer.from(`${code} ${dsn} ${safe}\0`, 'latin1'));
}

const field = (name: string, value: string): Buffer => Buffer.from(`${name}\0${value}\0`, 'latin1');
const indexed = (cmd: string, index: number, name: string, value: string): Buffer => {
  const i = Buffer.alloc(4);
  i.writeUInt32BE(index, 0);
  return packet(cmd, Buffer.concat([i, field(name, value)]));
};

// Header edits, at end of message only. `index` counts the fields of that name from 1 (change; an empty value
// deletes the field), or all fields from 0 (insert: 0 puts it on top).
export const addHeader = (name: string, value: string): Buffer => packet(Reply.AddHeader, field(name, value));
export const insertHeader = (index: number, name: string, value: string): Buffer => indexed(Reply.InsertHeader, index, name, value);
export const changeHeader = (index: number, name: string, value: string): Buffer => indexed(Reply.ChangeHeader, index, name, value);
