import { connect, type Socket } from 'node:net';

// One SMTP session to a loopback postfix that claims another client address first (XCLIENT, which the chain's milter
// port allows its loopback clients): the milters judge the claimed address, as they would a client on the internet.
// Messages go one after the other on the session; a refused one (5xx) rejects its send and the session goes on.
export class XclientSession {
  private buf = '';
  private waiting: ((reply: string) => void) | undefined;
  private failed: Error | undefined;

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      this.deliver();
    });
    const fail = (e: Error) => {
      this.failed = e;
      this.waiting?.('');
    };
    sock.on('error', fail);
    sock.on('close', () => fail(new Error('smtp: connection closed')));
  }

  static async open(port: number, addr: string): Promise<XclientSession> {
    const s = new XclientSession(connect(port, '127.0.0.1'));
    await s.expect(undefined, 220);
    await s.expect('EHLO bench.test', 250);
    await s.expect(`XCLIENT ADDR=${addr} NAME=[UNAVAILABLE]`, 220);
    await s.expect('EHLO bench.test', 250);
    return s;
  }

  async send(from: string, to: string, raw: string): Promise<void> {
    await this.expect(`MAIL FROM:<${from}>`, 250);
    await this.expect(`RCPT TO:<${to}>`, 250);
    await this.expect('DATA', 354);
    const body = raw.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    await this.expect(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.`, 250);
  }

  close(): void {
    this.sock.end('QUIT\r\n');
  }

  // A complete reply: lines "ddd-" up to the last "ddd ".
  private deliver(): void {
    const m = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(this.buf);
    if (!m || !this.waiting) return;
    const reply = this.buf.slice(0, m.index + m[0].length);
    this.buf = this.buf.slice(reply.length);
    const w = this.waiting;
    this.waiting = undefined;
    w(reply.replace(/^\r\n/, ''));
  }

  private async expect(command: string | undefined, code: number): Promise<string> {
    if (this.failed) throw this.failed;
    const reply = new Promise<string>((resolve) => {
      this.waiting = resolve;
    });
    if (command !== undefined) this.sock.write(`${command}\r\n`);
    this.deliver();
    const r = await reply;
    if (this.failed) throw this.failed;
    if (!r.startsWith(String(code))) throw new Error(`smtp: ${command?.slice(0, 40) ?? 'greeting'}: ${r.trim()}`);
    return r;
  }
}
