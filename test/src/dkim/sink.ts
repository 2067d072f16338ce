import { SMTPServer } from 'smtp-server';
import { freePort } from '../harness/index.ts';

export interface Sink {
  port: number;
  messages: string[];
  close: () => Promise<void>;
}

// The next hop after amavis: a plain SMTP server that keeps every message it receives.
export async function startSink(): Promise<Sink> {
  const port = await freePort();
  const messages: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push(Buffer.concat(chunks).toString('utf8'));
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { port, messages, close: () => new Promise<void>((r) => server.close(() => r())) };
}
