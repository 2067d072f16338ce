import { execFile } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { HOST } from './stage.ts';

const execFileP = promisify(execFile);

// Reads SMTP replies until one whose last line is "<code> " (multi-line replies use "<code>-").
function reply(sock: Socket, buf: { data: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buf.data);
      if (!m) return false;
      const end = m.index + m[0].length;
      const r = buf.data.slice(0, end);
      buf.data = buf.data.slice(end);
      cleanup();
      resolve(r);
      return true;
    };
    const onData = (d: Buffer) => {
      buf.data += d.toString('latin1');
      check();
    };
    const onErr = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`connection closed; got ${JSON.stringify(buf.data)}`));
    };
    const cleanup = () => {
      sock.off('data', onData);
      sock.off('error', onErr);
      sock.off('close', onClose);
    };
    sock.on('data', onData);
    sock.once('error', onErr);
    sock.once('close', onClose);
    check();
  });
}

export interface Served {
  serial: string;
  fingerprint: string;
}

// EHLO, STARTTLS, handshake: the certificate postfix presents on port right now (a real client's view). SNI
// `servername` unless null (a client that sends none gets postfix's default chain, not its SNI table).
export async function smtpStartTlsCert(port: number, timeoutMs = 5000, servername: string | null = HOST): Promise<Served> {
  const s = await smtpStartTlsSession(port, timeoutMs, servername);
  s.close();
  return s;
}

export interface TlsSession extends Served {
  // One command over the encrypted session; its reply.
  command: (line: string) => Promise<string>;
  close: () => void;
}

// An SMTP session after STARTTLS, kept open (to show that a rotation leaves sessions in progress alone).
export async function smtpStartTlsSession(port: number, timeoutMs = 5000, servername: string | null = HOST): Promise<TlsSession> {
  const sock = netConnect(port, '127.0.0.1');
  sock.setTimeout(timeoutMs, () => sock.destroy(new Error('smtp timeout')));
  const buf = { data: '' };
  try {
    await reply(sock, buf);
    sock.write('EHLO client.test\r\n');
    const ehlo = await reply(sock, buf);
    if (!/STARTTLS/i.test(ehlo)) throw new Error(`no STARTTLS offered: ${ehlo}`);
    sock.write('STARTTLS\r\n');
    const go = await reply(sock, buf);
    if (!go.startsWith('220')) throw new Error(`STARTTLS refused: ${go}`);
    const t = await handshake(sock, timeoutMs, servername);
    sock.setTimeout(0);
    const served = peer(t);
    const tlsBuf = { data: '' };
    return {
      ...served,
      command: async (line) => {
        t.write(`${line}\r\n`);
        return reply(t, tlsBuf);
      },
      close: () => {
        t.destroy();
        sock.destroy();
      },
    };
  } catch (e) {
    sock.destroy();
    throw e;
  }
}

// Implicit TLS (IMAPS): handshake right away.
export async function implicitTlsCert(port: number, timeoutMs = 5000): Promise<Served> {
  const sock = netConnect(port, '127.0.0.1');
  try {
    await new Promise<void>((res, rej) => {
      sock.once('connect', res);
      sock.once('error', rej);
    });
    const t = await handshake(sock, timeoutMs, HOST);
    try {
      return peer(t);
    } finally {
      t.destroy();
    }
  } finally {
    sock.destroy();
  }
}

function handshake(sock: Socket, timeoutMs: number, servername: string | null): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const t = tlsConnect({ socket: sock, rejectUnauthorized: false, ...(servername ? { servername } : {}) }, () => {
      t.setTimeout(0);
      t.off('error', reject);
      resolve(t);
    });
    t.setTimeout(timeoutMs, () => t.destroy(new Error('tls timeout')));
    t.once('error', reject);
  });
}

function peer(t: TLSSocket): Served {
  const c = t.getPeerX509Certificate();
  if (!c) throw new Error('no peer certificate');
  return { serial: c.serialNumber.toUpperCase(), fingerprint: c.fingerprint256 };
}

// The same check with a client we did not write: openssl s_client (STARTTLS for SMTP, implicit TLS for IMAPS).
export async function opensslServedSerial(port: number, starttls: 'smtp' | null = 'smtp'): Promise<string> {
  const proto = starttls ? `-starttls ${starttls} ` : '';
  const script = `echo QUIT | openssl s_client ${proto}-connect 127.0.0.1:${port} -servername ${HOST} 2>/dev/null | openssl x509 -noout -serial`;
  const { stdout } = await execFileP('sh', ['-c', script], { timeout: 10_000 });
  const m = /serial=([0-9A-F]+)/i.exec(stdout);
  if (!m?.[1]) throw new Error(`openssl printed no serial: ${stdout}`);
  return m[1].toUpperCase();
}
