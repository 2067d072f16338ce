import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

// One delivered message as the next hop saw it.
interface SunkMail {
  from: string;
  to: string[];
  raw: string;
  // SASL user the client authenticated as, if any.
  user?: string;
}

export interface Sink {
  port: number;
  mails: SunkMail[];
  // Messages received so far, also when `mails` was emptied (benches drop bodies to save memory).
  count: () => number;
  // performance.now() when the latest message was received (benches time to the last delivery, not to their poll).
  lastAt: () => number;
  authFailures: () => number;
  stop: () => Promise<void>;
}

// The "next hop": a real SMTP (or LMTP) server on loopback (smtp-server package) that keeps every message it is
// given. With `auth`, only those credentials are accepted and mail without AUTH is refused.
export async function startSink(opts: { lmtp?: boolean; auth?: { user: string; pass: string } } = {}): Promise<Sink> {
  const mails: SunkMail[] = [];
  let count = 0;
  let lastAt = 0;
  let authFailures = 0;
  const server = new SMTPServer({
    lmtp: opts.lmtp ?? false,
    secure: false,
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return cb(null, { user: auth.username });
      authFailures++;
      cb(new Error('invalid credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        count++;
        lastAt = performance.now();
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        cb();
      });
    },
  });
  // Port 0: the kernel picks a free port at bind time (a port picked earlier may be taken by a parallel test meanwhile).
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    count: () => count,
    lastAt: () => lastAt,
    authFailures: () => authFailures,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
