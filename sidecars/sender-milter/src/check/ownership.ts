import { ErrorCode, MtaError } from '@mta/shared';
import { xtext } from '../address/external.ts';
import { SmtpCheckError, type SmtpReply, SmtpSession } from './smtp-session.ts';

// What postfix said about one address for one login.
export type Ownership = { owned: true } | { owned: false; reply: string };

// The check service cannot answer now (the message is deferred, not refused).
export class CheckUnavailable extends MtaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Unavailable, message, options);
  }
}

export interface OwnershipOptions {
  // The check service's socket (public/mta-sender-check under the queue directory).
  socket: string;
  // Sessions kept open at most (concurrent checks beyond wait for one).
  sessions?: number;
  // An idle session is closed after this (before smtpd's own timeout does it).
  idleMs?: number;
  timeoutMs?: number;
}

interface Pooled {
  smtp: SmtpSession;
  // The login XCLIENT last set on this session.
  login?: string;
  idle?: NodeJS.Timeout;
}

// Asks postfix whether a login owns addresses: the same smtpd_sender_restrictions as MAIL FROM on 465/587 (login
// maps, SMTPD_SASL_SENDERS classes), on an internal smtpd that takes XCLIENT LOGIN and never accepts mail.
// 2xx: owned; 5xx: not owned; 4xx (a lookup table failed) or no answer: CheckUnavailable, the message is deferred.
export class OwnershipCheck {
  private idle: Pooled[] = [];
  private open = 0;
  private waiters: ((p: Pooled | undefined) => void)[] = [];
  private closed = false;

  constructor(private readonly opts: OwnershipOptions) {}

  // `addresses` in SMTP (external) form; one answer per address, in order.
  async owns(login: string, addresses: readonly string[]): Promise<Ownership[]> {
    for (let attempt = 0; ; attempt++) {
      const s = await this.acquire();
      try {
        const out = await this.ask(s, login, addresses);
        this.release(s);
        return out;
      } catch (e) {
        this.discard(s);
        // A session smtpd had closed (max_use, idle timeout, reload) fails once; a fresh one decides.
        if (attempt === 0 && e instanceof SmtpCheckError) continue;
        throw e instanceof CheckUnavailable ? e : new CheckUnavailable((e as Error).message, { cause: e });
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const s of this.idle) this.discard(s);
    this.idle = [];
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private async ask(s: Pooled, login: string, addresses: readonly string[]): Promise<Ownership[]> {
    if (s.login !== login) {
      s.login = undefined;
      expect(await s.smtp.command(`XCLIENT LOGIN=${xtext(login)}`), 220, 'XCLIENT');
      expect(await s.smtp.command('EHLO sender-milter'), 250, 'EHLO');
      s.login = login;
    }
    const out: Ownership[] = [];
    for (const a of addresses) {
      const r = await s.smtp.command(`MAIL FROM:<${a}>`);
      if (r.code >= 200 && r.code < 300) {
        out.push({ owned: true });
        expect(await s.smtp.command('RSET'), 250, 'RSET');
      } else if (r.code >= 500) out.push({ owned: false, reply: r.text });
      else if (r.code === 421) throw new SmtpCheckError(r.text);
      else throw new CheckUnavailable(`the check service answered ${r.text}`);
    }
    return out;
  }

  private async acquire(): Promise<Pooled> {
    if (this.closed) throw new CheckUnavailable('closed');
    const s = this.idle.pop();
    if (s) {
      clearTimeout(s.idle);
      if (!s.smtp.closed) return s;
      this.open--;
      return this.acquire();
    }
    if (this.open >= (this.opts.sessions ?? 4)) {
      const next = await new Promise<Pooled | undefined>((r) => this.waiters.push(r));
      if (!next) throw new CheckUnavailable('no session to the check service');
      return next;
    }
    this.open++;
    try {
      const smtp = await SmtpSession.open(this.opts.socket, this.opts.timeoutMs ?? 15_000);
      expect(await smtp.reply(), 220, 'greeting');
      expect(await smtp.command('EHLO sender-milter'), 250, 'EHLO');
      return { smtp };
    } catch (e) {
      this.open--;
      throw e instanceof CheckUnavailable ? e : new CheckUnavailable((e as Error).message, { cause: e });
    }
  }

  private release(s: Pooled): void {
    const w = this.waiters.shift();
    if (w) {
      w(s);
      return;
    }
    s.idle = setTimeout(() => {
      this.idle = this.idle.filter((x) => x !== s);
      this.discard(s);
    }, this.opts.idleMs ?? 60_000);
    s.idle.unref();
    this.idle.push(s);
  }

  private discard(s: Pooled): void {
    clearTimeout(s.idle);
    s.smtp.close();
    this.open--;
    // A waiter gets a fresh session instead.
    const w = this.waiters.shift();
    if (w) void this.acquire().then(w, () => w(undefined));
  }
}

function expect(r: SmtpReply, code: number, what: string): void {
  if (r.code !== code) {
    if (r.code === 421) throw new SmtpCheckError(`${what}: ${r.text}`);
    throw new CheckUnavailable(`${what}: the check service answered ${r.text}`);
  }
}
