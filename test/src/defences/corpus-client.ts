// A scripted client for the guard's corpus test, run inside the test's network namespace (`ip netns exec`) so it can
// connect from chosen addresses and send TLS SNI names no other tool would (openssl s_client cannot bind a source
// address). Reads a JSON list of sessions from the file argv[2], runs them a few at a time, prints their transcripts
// as one JSON list.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface Session {
  from: string;
  port: number;
  // none: plain; implicit: TLS from the start (465, 993, 995); starttls-*: upgrade after the greeting.
  tls: 'none' | 'implicit' | 'starttls-smtp' | 'starttls-imap' | 'starttls-pop3';
  servername?: string;
  // Send the first line before the greeting (a pregreet, or an HTTP request line).
  early?: boolean;
  // Sent one at a time, each followed by what came back; raw bytes (CRLF added unless `raw`).
  lines: string[];
  raw?: boolean;
}

// What came in until the peer was quiet for `quietMs` (or closed), at most `maxMs`.
function reader(s: Socket) {
  let buf = '';
  let closed = false;
  s.setEncoding('latin1');
  s.on('data', (d: string) => {
    buf += d;
  });
  s.on('close', () => {
    closed = true;
  });
  s.on('error', () => {
    closed = true;
  });
  // `until`: a reply is complete once this matches (a greeting's last line); otherwise once the peer is quiet.
  return async (quietMs = 200, maxMs = 5000, until?: RegExp): Promise<string> => {
    const start = Date.now();
    let seen = buf.length;
    let quietSince = Date.now();
    while (!closed && Date.now() - start < maxMs) {
      await new Promise((r) => setTimeout(r, 20));
      if (until?.test(buf)) break;
      if (buf.length !== seen) {
        seen = buf.length;
        quietSince = Date.now();
      } else if (!until && buf.length && Date.now() - quietSince >= quietMs) break;
    }
    const out = buf;
    buf = '';
    return out;
  };
}

const UPGRADE: Record<string, string> = { 'starttls-smtp': 'EHLO corpus', 'starttls-imap': 'S STARTTLS', 'starttls-pop3': 'STLS' };

async function run(x: Session): Promise<string> {
  const plain = connect({ host: '127.0.0.1', port: x.port, localAddress: x.from });
  await new Promise<void>((resolve, reject) => {
    plain.once('connect', () => resolve());
    plain.once('error', reject);
  });
  let sock: Socket = plain;
  const tls = () =>
    new Promise<Socket>((resolve) => {
      if (plain.destroyed) return resolve(plain);
      const t = tlsConnect({ socket: plain, servername: x.servername, rejectUnauthorized: false });
      t.once('secureConnect', () => resolve(t));
      t.once('error', () => resolve(t));
      t.once('close', () => resolve(t));
    });
  if (x.tls === 'implicit') sock = await tls();
  let read = reader(sock);
  let out = '';
  const send = (l: string) => sock.write(x.raw ? l : `${l}\r\n`);
  const lines = [...x.lines];
  if (x.early && lines.length) send(lines.shift() as string);
  // The whole greeting (postscreen sends its last line only after its greet wait: talking before it is a pregreet).
  out += await read(1500, 5000, x.early ? undefined : /^(?:\d{3} |\* OK|\+OK)/m);
  if (x.tls.startsWith('starttls')) {
    if (x.tls === 'starttls-smtp') {
      send(UPGRADE[x.tls] as string);
      out += await read();
      send('STARTTLS');
    } else send(UPGRADE[x.tls] as string);
    out += await read();
    plain.removeAllListeners('data');
    sock = await tls();
    read = reader(sock);
  }
  for (const l of lines) {
    if (sock.destroyed) break;
    send(l);
    out += await read();
  }
  sock.destroy();
  return out;
}

const sessions = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Session[];
const results: string[] = new Array(sessions.length);
let next = 0;
await Promise.all(
  Array.from({ length: 6 }, async () => {
    while (next < sessions.length) {
      const i = next++;
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<string>((r) => {
        timer = setTimeout(() => r('error: session timed out'), 30_000);
      });
      results[i] = await Promise.race([run(sessions[i] as Session).catch((e: Error) => `error: ${e.message}`), limit]);
      clearTimeout(timer);
    }
  }),
);
process.stdout.write(`${JSON.stringify(results)}\n`);
