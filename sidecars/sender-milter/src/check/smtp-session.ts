import { createConnection, type Socket } from 'node:net';
import { ErrorCode, MtaError } from '@mta/shared';

export interface SmtpReply {
  code: number;
  text: string;
}

// The session to the check service broke (closed, timed out, a reply that makes no sense): worth one new session.
export class SmtpCheckError extends MtaError {
  constructor(message: string) {
    super(ErrorCode.Protocol, message);
  }
}

const MAX_REPLY = 64 * 1024;

// A lock-step SMTP client session on a unix socket: one command, one (possibly multi-line) reply.
export class SmtpSession {
  private buf = '';
  private lines: string[] = [];
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new SmtpCheckError('connection closed')));
  }

  static open(path: string, timeoutMs: number): Promise<SmtpSession> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new SmtpCheckError(`no connection to ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(new SmtpCheckError(`cannot connect to ${path}: ${e.message}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new SmtpSession(socket, timeoutMs));
      });
    });
  }

  // The next reply (the greeting after connect or XCLIENT).
  async reply(): Promise<SmtpReply> {
    const lines: string[] = [];
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const line = await this.line(deadline);
      const m = /^(\d{3})([ -])(.*)$/.exec(line);
      if (!m) throw this.fail(new SmtpCheckError('malformed reply'));
      lines.push(m[3] as string);
      if (m[2] === ' ') return { code: Number(m[1]), text: `${m[1]} ${lines.join(' ')}` };
    }
  }

  async command(line: string): Promise<SmtpReply> {
    if (/[\r\n]/.test(line)) throw new SmtpCheckError('line break in a command');
    this.write(`${line}\r\n`);
    return this.reply();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.failure) return;
    // A polite QUIT (no "lost connection" line in postfix's log); smtpd closes its end.
    this.failure = new SmtpCheckError('closed');
    this.socket.end('QUIT\r\n');
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private write(s: string): void {
    if (this.failure) throw this.failure;
    this.socket.write(s, 'latin1');
  }

  private onData(d: string): void {
    this.buf += d;
    if (this.buf.length > MAX_REPLY) return void this.fail(new SmtpCheckError('reply too long'));
    let nl = this.buf.indexOf('\n');
    while (nl >= 0) {
      this.lines.push(this.buf.slice(0, nl).replace(/\r$/, ''));
      this.buf = this.buf.slice(nl + 1);
      nl = this.buf.indexOf('\n');
    }
    this.wake();
  }

  private fail(e: Error): Error {
    this.failure ??= e;
    this.closed = true;
    this.socket.destroy();
    this.wake();
    return this.failure;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private async line(deadline: number): Promise<string> {
    for (;;) {
      const l = this.lines.shift();
      if (l !== undefined) return l;
      if (this.failure) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) throw this.fail(new SmtpCheckError('no reply in time'));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
