import { SMTPServer } from 'smtp-server';
import { freePort } from '../harness/net.ts';

// One delivered message as the next hop saw it.
export interface SunkMail {
  from: string;
  to: string[];
  raw: string;
}

// The sink's handle: everything received so far.
export interface Sink {
  port: number;
  mails: SunkMail[];
  // Messages received so far, also when `mails` was emptied (benches drop bodies to save memory).
  count: () => number;
  // performance.now() when the latest message was received (benches time to the last delivery, not to their poll).
  lastAt: () => number;
  stop: () => Promise<void>;
}

// The "next hop" after our MTA: a plain SMTP server on loopback that keeps every message it is given.
export async function startSink(): Promise<Sink> {
  const port = await freePort();
  const mails: SunkMail[] = [];
  let count = 0;
  let lastAt = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
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
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { port, mails, count: () => count, lastAt: () => lastAt, stop: () => new Promise<void>((r) => server.close(() => r())) };
}
