import {
  ANSWERED,
  Cmd,
  cstrings,
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
}

export type Verdict =
  | { action: 'accept' }
  | { action: 'reject'; code: number; dsn: string; text: string }
  | { action: 'tempfail'; code: number; dsn: string; text: string };

export interface SessionOptions {
  // Which header fields to keep (lower-case name).
  keep: (name: string) => boolean;
  decide: (m: MessageFacts) => Promise<Verdict>;
  maxFields: number;
  maxFieldBytes: number;
  // Called when decide throws: the message is deferred either way.
  onError?: (err: Error) => void;
}

// What this milter asks for: no connect, HELO, RCPT, DATA, unknown-command or body events, and no reply per header.
const WANTED = Proto.NoConnect | Proto.NoHelo | Proto.NoRcpt | Proto.NoBody | Proto.NoUnknown | Proto.NoData | Proto.NoReplyHeader;
const LOGIN_MACROS = ['{auth_authen}', 'auth_authen'];
const QUEUE_ID_MACROS = ['i', '{i}'];

export const TEMPFAIL: Verdict = { action: 'tempfail', code: 451, dsn: '4.7.1', text: 'sender check unavailable, try again later' };

// One MTA connection: packets in, replies out (through `send`), one decision per message at end of headers.
// Packets are handled strictly in order; the MTA waits for the end-of-headers answer before it sends more.
export class MilterSession {
  private protocol = 0;
  private negotiated = false;
  private macros = new Map<string, string>();
  private fields: HeaderField[] = [];
  private overflow: MessageFacts['overflow'];

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
        this.send(this.encode(await this.verdict()));
        this.resetMessage();
        return 'continue';
      case Cmd.EndOfBody:
        // Only reached when an earlier answer was "continue": nothing more to check.
        this.send(packet(Reply.Accept));
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
    this.protocol = WANTED & mta.protocol;
    this.negotiated = true;
    const version = Math.min(mta.version, MILTER_VERSION);
    // The login (and queue id) where they are needed, whatever milter_*_macros say.
    const macros = version >= 6 ? { [Stage.Mail]: '{auth_authen}', [Stage.EndOfHeaders]: '{auth_authen} i' } : {};
    this.send(optNegReply({ version, actions: 0, protocol: this.protocol }, macros));
    return 'continue';
  }

  private onMacros(data: Buffer): void {
    // First byte: the command the macros belong to; then name/value pairs.
    const parts = cstrings(data.subarray(1));
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const name = parts[i] as string;
      if (LOGIN_MACROS.includes(name) || QUEUE_ID_MACROS.includes(name)) this.macros.set(name, parts[i + 1] as string);
    }
  }

  private onHeader(data: Buffer): void {
    const [rawName = '', value = ''] = cstrings(data);
    const name = rawName.trim().toLowerCase();
    if (!this.opts.keep(name)) return;
    if (this.fields.length >= this.opts.maxFields) this.overflow ??= 'count';
    else if (value.length > this.opts.maxFieldBytes) this.overflow ??= 'length';
    else this.fields.push({ name, value });
  }

  private async verdict(): Promise<Verdict> {
    const login = LOGIN_MACROS.map((n) => this.macros.get(n)).find((v) => v !== undefined && v !== '');
    const queueId = QUEUE_ID_MACROS.map((n) => this.macros.get(n)).find((v) => v !== undefined && v !== '');
    try {
      return await this.opts.decide({ login, queueId, headers: this.fields, overflow: this.overflow });
    } catch (e) {
      this.opts.onError?.(e as Error);
      return TEMPFAIL;
    }
  }

  private encode(v: Verdict): Buffer {
    return v.action === 'accept' ? packet(Reply.Accept) : replyCode(v.code, v.dsn, v.text);
  }

  private resetMessage(): void {
    this.fields = [];
    this.overflow = undefined;
  }
}
