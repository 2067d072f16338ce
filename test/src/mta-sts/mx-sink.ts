// An MX host for the MTA-STS tests, run inside the test network namespace (`ip netns exec … node … mx-sink.ts JSON`):
// an SMTP server on host:port that offers STARTTLS with the given certificate (or none without one), keeps nothing,
// and prints one JSON line per message ({ to, tls }, and with keep the message itself as base64 in data). Prints
// "ready" once it listens.
import { SMTPServer } from 'smtp-server';

const o = JSON.parse(process.argv[2] ?? '{}') as { host: string; port: number; key?: string; cert?: string; keep?: boolean };
const server = new SMTPServer({
  secure: false,
  ...(o.key && o.cert ? { key: o.key, cert: o.cert } : {}),
  disabledCommands: o.key ? ['AUTH'] : ['STARTTLS', 'AUTH'],
  authOptional: true,
  logger: false,
  onData(stream, session, cb) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => o.keep && chunks.push(c));
    stream.on('end', () => {
      const data = o.keep ? { data: Buffer.concat(chunks).toString('base64') } : {};
      process.stdout.write(`${JSON.stringify({ to: session.envelope.rcptTo.map((r) => r.address), tls: session.secure, ...data })}\n`);
      cb();
    });
  },
});
server.listen(o.port, o.host, () => process.stdout.write('ready\n'));
