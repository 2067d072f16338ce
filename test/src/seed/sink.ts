import { SMTPServer } from 'smtp-server';
import { freePort } from '../harness/index.ts';

export interface SinkMessage {
  from: string;
  to: string[];
  body: string;
  // SASL user the client authenticated as, if any.
  user?: string;
}

export interface Sink {
  port: number;
  messages: SinkMessage[];
  authFailures: number;
  close: () => Promise<void>;
}

// A real SMTP or LMTP server on 127.0.0.1 (smtp-server package) that records what postfix hands it. With `auth`,
// only those credentials are accepted and mail without AUTH is refused.
export async function startSink(opts: { lmtp?: boolean; auth?: { user: string; pass: string } } = {}): Promise<Sink> {
  const port = await freePort();
  const sink: Sink = { port, messages: [], authFailures: 0, close: async () => {} };
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
      sink.authFailures++;
      cb(new Error('invalid credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        sink.messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          body: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  sink.close = () => new Promise((r) => server.close(() => r()));
  return sink;
}
