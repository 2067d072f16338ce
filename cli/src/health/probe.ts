import { connect, type NetConnectOpts } from 'node:net';

export interface ProbeOptions {
  // Written once connected (clamd's PING); without it the server speaks first (SMTP, dovecot auth).
  send?: string | Buffer;
  expect: RegExp;
  what: string;
  timeoutMs?: number;
}

// Connects (TCP {port, host} or unix {path}), optionally writes, and resolves with undefined once data matching
// `expect` arrived, else with "<what>: <why>". SMTP greeters get a QUIT (fewer "lost connection" lines in the logs).
export function probe(target: NetConnectOpts, opts: ProbeOptions): Promise<string | undefined> {
  const timeoutMs = opts.timeoutMs ?? 4000;
  return new Promise((resolve) => {
    const sock = connect(target);
    let buf = '';
    let settled = false;
    const done = (err: string | undefined, polite = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (polite) sock.end('QUIT\r\n');
      else sock.destroy();
      resolve(err ? `${opts.what}: ${err}` : undefined);
    };
    const got = () => (buf ? ` (got ${JSON.stringify(buf.slice(0, 80))})` : '');
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms${got()}`), timeoutMs);
    // latin1: binary replies (a milter's) keep one character per byte.
    sock.setEncoding('latin1');
    sock.on('connect', () => {
      if (opts.send) sock.write(opts.send);
    });
    sock.on('data', (d: string) => {
      buf += d;
      if (opts.expect.test(buf)) done(undefined, !opts.send);
      else if (buf.includes('\n') && !opts.send) done(`unexpected greeting ${JSON.stringify(buf.split('\n')[0])}`);
    });
    sock.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    sock.on('end', () => done(`closed${buf ? ` after ${JSON.stringify(buf.slice(0, 80))}` : ''}`));
  });
}
