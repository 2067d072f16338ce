import { execFile } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';

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

// EHLO, STARTTLS, handshake: the certificate postfix presents on port right now (a real client's view).
export async function smtpStartTlsCert(port: number, timeoutMs = 5000): Promise<Served> {
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
    return await handshake(sock, timeoutMs);
  } finally {
    sock.destroy();
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
    return await handshake(sock, timeoutMs);
  } finally {
    sock.destroy();
  }
}

function handshake(sock: Socket, timeoutMs: number): Promise<Served> {
  return new Promise((resolve, reject) => {
    const t = tlsConnect({ socket: sock, rejectUnauthorized: false, servername: 'mx.example.com' }, () => {
      const c = t.getPeerX509Certificate();
      t.destroy();
      if (!c) reject(new Error('no peer certificate'));
      else resolve({ serial: c.serialNumber.toUpperCase(), fingerprint: c.fingerprint256 });
    });
    t.setTimeout(timeoutMs, () => t.destroy(new Error('tls timeout')));
    t.once('error', reject);
  });
}

// The same check with a client we did not write: openssl s_client (STARTTLS for SMTP, implicit TLS for IMAPS).
export async function opensslServedSerial(port: number, starttls: 'smtp' | null = 'smtp'): Promise<string> {
  const proto = starttls ? `-starttls ${starttls} ` : '';
  const script = `echo QUIT | openssl s_client ${proto}-connect 127.0.0.1:${port} -servername mx.example.com 2>/dev/null | openssl x509 -noout -serial`;
  const { stdout } = await execFileP('sh', ['-c', script], { timeout: 10_000 });
  const m = /serial=([0-9A-F]+)/i.exec(stdout);
  if (!m?.[1]) throw new Error(`openssl printed no serial: ${stdout}`);
  return m[1].toUpperCase();
}
