import { connect, type Socket } from 'node:net';

// A stand-in for postfix's side of the milter protocol: option negotiation once, then per message the MAIL macros,
// MAIL, the header fields and end of headers; resolves with the milter's answer ("a", or "y550 5.7.1 …").
export class MilterClient {
  private buf = Buffer.alloc(0);
  private waiting: ((reply: string) => void)[] = [];

  private constructor(private readonly sock: Socket) {
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readUInt32BE(0)) {
        const len = this.buf.readUInt32BE(0);
        const cmd = String.fromCharCode(this.buf[4] as number);
        const data = this.buf
          .subarray(5, 4 + len)
          .toString('latin1')
          .replace(/\0$/, '');
        this.buf = this.buf.subarray(4 + len);
        this.waiting.shift()?.(`${cmd}${cmd === 'O' ? '' : data}`);
      }
    });
  }

  static async open(path: string): Promise<MilterClient> {
    const sock = connect(path);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    const c = new MilterClient(sock);
    const neg = Buffer.alloc(12);
    neg.writeUInt32BE(6, 0);
    neg.writeUInt32BE(0x1ff, 4);
    neg.writeUInt32BE(0x1fffff, 8);
    await c.ask(packet('O', neg));
    return c;
  }

  async message(login: string, envelope: string, headers: [string, string][]): Promise<string> {
    this.sock.write(
      Buffer.concat([
        packet('D', Buffer.from(`M{auth_authen}\0${login}\0`, 'latin1')),
        packet('M', Buffer.from(`<${envelope}>\0`, 'latin1')),
      ]),
    );
    await this.next();
    this.sock.write(Buffer.concat(headers.map(([n, v]) => packet('L', Buffer.from(`${n}\0${v}\0`, 'latin1')))));
    return this.ask(packet('N', Buffer.alloc(0)));
  }

  close(): void {
    this.sock.end(packet('Q', Buffer.alloc(0)));
  }

  private ask(p: Buffer): Promise<string> {
    const r = this.next();
    this.sock.write(p);
    return r;
  }

  private next(): Promise<string> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

function packet(cmd: string, data: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h.writeUInt32BE(data.length + 1, 0);
  h.write(cmd, 4, 'latin1');
  return Buffer.concat([h, data]);
}
