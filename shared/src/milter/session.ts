import {
  Action,
  ANSWERED,
  addHeader,
  Cmd,
  changeHeader,
  cstrings,
  insertHeader,
  MILTER_VERSION,
  MilterProtocolError,
  optNegReply,
  type Packet,
  Proto,
  packet,
  parseOptNeg,
  Reply,
  replyCode,
  Stage,
} from './wire.ts';

// One header field of the message, as the MTA sent it (name without the colon, value unfolded by nobody).
export interface HeaderField {
  name: string;
  value: string;
  // The name as the message spelled it (only with SessionOptions.rawNames).
  rawName?: string;
}

// What the milter knows about a message when its headers end.
export interface MessageFacts {
  // The SASL login ({auth_authen}), if the MTA sent one.
  login: string | undefined;
  // The postfix queue id ({i}), for logs.
  queueId: string | undefined;
  // The header fields `keep` selected, in message order.
  headers: HeaderField[];
  // Fields `keep` selected beyond the limits: too many of them, or one too long to be looked at.
  overflow: 'count' | 'length' | undefined;
  // The macros SessionOptions.macros asked for, as the MTA sent them.
  macros: Record<string, string>;
  // stage 'message': the body (CRLF lines) when wantBody said so at end of headers; undefined when not collected,
  // 'too-large' beyond maxBodyBytes.
  body?: Buffer | 'too-large';
}

// A header change at end of message (stage 'message' only). change: the index-th field of that name (from 1), an
// empty value deletes it; insert: at position index among all fields (0: on top).
export type HeaderEdit =
  | { op: 'add'; name: string; value: string }
  | { op: 'insert' | 'change'; index: number; name: string; value: string };

export type MilterVerdict =
  | { action: 'accept'; edits?: HeaderEdit[] }
  | { action: 'reject'; code: number; dsn: string; text: string }
  | { action: 'tempfail'; code: number; dsn: string; text: string };

export interface SessionOptions {
  // Which header fields to keep (lower-case name).
  keep: (name: string) => boolean;
  decide: (m: MessageFacts) => Promise<MilterVerdict>;
  maxFields: number;
  maxFieldBytes: number;
  // Called when decide throws: the message is deferred either way.
  onError?: (err: Error) => void;
  // 'headers' (the default): one decision at end of headers, no body, no edits. 'message': the decision at end of
  // message, which may edit headers (a milter that adds or removes headers must wait for the end of the message).
  stage?: 'headers' | 'message';
  // stage 'message': asked at end of headers whether to collect the body for decide.
  wantBody?: (headers: HeaderField[]) => boolean;
  maxBodyBytes?: number;
  // More macros to ask for, at the decision's stage (e.g. '{client_addr}').
  macros?: string[];
  // Keep each field's name as spelled (HeaderField.rawName).
  rawNames?: boolean;
}

// What this milter asks for: no connect, HELO, RCPT, DATA, unknown-command or body events, and no reply per header.
const WANTED = Proto.NoConnect | Proto.NoHelo | Proto.NoRcpt | Proto.NoBody | Proto.NoUnknown | Proto.NoData | Proto.NoReplyHeader;
// Stage 'message': the body too, and no reply per body chunk.
const WANTED_MESSAGE =
  Proto.NoConnect | Proto.NoHelo | Proto.NoRcpt | Proto.NoUnknown | Proto.NoData | Proto.NoReplyHeader | Proto.NoReplyBody;
const LOGIN_MACROS = ['{auth_authen}', 'auth_authen'];
const QUEUE_ID_MACROS = ['i', '{i}'];

export const TEMPFAIL: MilterVerdict = { action: 'tempfail', code: 451, dsn: '4.7.1', text: 'sender check unavailable, try again later' };

// One MTA connection: packets in, replies out (through `send`), one decision per message at end of headers.
// Packets are handled strictly in order; the MTA waits for the end-of-headers answer before it sends more.
export class MilterSession {
  private protocol = 0;
  private negotiated = false;
  private macros = new Map<string, string>();
  private fields: HeaderField[] = [];
  private overflow: MessageFacts['overflow'];
  private body: Buffer[] | 'too-large' | undefined;
  private bodyBytes = 0;

  constructor(
    private readonly send: (b: Buffer) => void,
    private readonly opts: SessionOptions,
  ) {}

  // Handles one packet; resolves once its reply (if any) is sent. Throws MilterProtocolError on nonsense.
  async handle(p: Packet): Promise<'continue' | 'close'> {
    if (!this.negotiated && p.cmd !== Cmd.OptNeg) throw new MilterProtocolError(`'${p.cmd}' before option negotiation`);
    switch (p.cmd) {
      case Cmd.OptNeg:
        return this.negotiate(p.data);
      case Cmd.Macro:
        this.onMacros(p.data);
        return 'continue';
      case Cmd.Mail:
        this.resetMessage();
        break;
      case Cmd.Header:
        this.onHeader(p.data);
        break;
      case Cmd.EndOfHeaders:
        if (this.opts.stage === 'message') {
          if (this.opts.wantBody?.(this.fields)) this.body = [];
          break;
        }
        this.send(this.encode(await this.verdict()));
        this.resetMessage();
        return 'continue';
      case Cmd.Body:
        this.onBody(p.data);
        break;
      case Cmd.EndOfBody:
        // Stage 'headers': only reached when an earlier answer was "continue", nothing more to check.
        this.send(this.opts.stage === 'message' ? this.encode(await this.verdict()) : packet(Reply.Accept));
        this.resetMessage();
        return 'continue';
      case Cmd.Abort:
        this.resetMessage();
        return 'continue';
      case Cmd.QuitNewConnection:
        this.resetMessage();
        this.macros.clear();
        return 'continue';
      case Cmd.Quit:
        return 'close';
      default:
        if (!(p.cmd in ANSWERED)) throw new MilterProtocolError(`unknown command '${p.cmd}'`);
    }
    const silent = ANSWERED[p.cmd] ?? 0;
    if (!(silent && this.protocol & silent)) this.send(packet(Reply.Continue));
    return 'continue';
  }

  private negotiate(data: Buffer): 'continue' {
    const mta = parseOptNeg(data);
    if (mta.version < 2) throw new MilterProtocolError(`milter protocol version ${mta.version} is too old`);
    const message = this.opts.stage === 'message';
    // A 'message' session that never wants the body is not sent one.
    this.protocol = (message ? WANTED_MESSAGE | (this.opts.wantBody ? 0 : Proto.NoBody) : WANTED) & mta.protocol;
    this.negotiated = true;
    const version = Math.min(mta.version, MILTER_VERSION);
    // The login (and queue id) where they are needed, whatever milter_*_macros say.
    const at = ['{auth_authen}', 'i', ...(this.opts.macros ?? [])].join(' ');
    const macros = version >= 6 ? { [Stage.Mail]: '{auth_authen}', [message ? Stage.EndOfMessage : Stage.EndOfHeaders]: at } : {};
    const actions = message ? (Action.AddHeaders | Action.ChangeHeaders) & mta.actions : 0;
    this.send(optNegReply({ version, actions, protocol: this.protocol }, macros));
    return 'continue';
  }

  private onMacros(data: Buffer): void {
    // First byte: the command the macros belong to; then name/value pairs.
    const parts = cstrings(data.subarray(1));
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const name = parts[i] as string;
      if (LOGIN_MACROS.includes(name) || QUEUE_ID_MACROS.includes(name) || this.opts.macros?.includes(name))
        this.macros.set(name, parts[i + 1] as string);
    }
  }

  private onHeader(data: Buffer): void {
    const [rawName = '', value = ''] = cstrings(data);
    const name = rawName.trim().toLowerCase();
    if (!this.opts.keep(name)) return;
    if (this.fields.length >= this.opts.maxFields) this.overflow ??= 'count';
    else if (value.length > this.opts.maxFieldBytes) this.overflow ??= 'length';
    else this.fields.push(this.opts.rawNames ? { name, value, rawName: rawName.trim() } : { name, value });
  }

  private onBody(data: Buffer): void {
    if (!Array.isArray(this.body)) return;
    this.bodyBytes += data.length;
    if (this.bodyBytes > (this.opts.maxBodyBytes ?? 64 * 1024 * 1024)) this.body = 'too-large';
    // The packet's buffer is the reader's; keep a copy.
    else this.body.push(Buffer.from(data));
  }

  private async verdict(): Promise<MilterVerdict> {
    const login = LOGIN_MACROS.map((n) => this.macros.get(n)).find((v) => v !== undefined && v !== '');
    const queueId = QUEUE_ID_MACROS.map((n) => this.macros.get(n)).find((v) => v !== undefined && v !== '');
    const macros = Object.fromEntries(
      (this.opts.macros ?? []).flatMap((n) => (this.macros.has(n) ? [[n, this.macros.get(n) as string]] : [])),
    );
    const body = Array.isArray(this.body) ? Buffer.concat(this.body) : this.body;
    try {
      return await this.opts.decide({ login, queueId, headers: this.fields, overflow: this.overflow, macros, ...(body ? { body } : {}) });
    } catch (e) {
      this.opts.onError?.(e as Error);
      return TEMPFAIL;
    }
  }

  private encode(v: MilterVerdict): Buffer {
    if (v.action !== 'accept') return replyCode(v.code, v.dsn, v.text);
    // Edits only where they are allowed: at end of message.
    const edits = this.opts.stage === 'message' ? (v.edits ?? []).map(encodeEdit) : [];
    return Buffer.concat([...edits, packet(Reply.Accept)]);
  }

  private resetMessage(): void {
    this.fields = [];
    this.overflow = undefined;
    this.body = undefined;
    this.bodyBytes = 0;
  }
}

function encodeEdit(e: HeaderEdit): Buffer {
  if (e.op === 'add') return addHeader(e.name, e.value);
  return e.op === 'insert' ? insertHeader(e.index, e.name, e.value) : changeHeader(e.index, e.name, e.value);
}
