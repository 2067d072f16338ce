// A TLS-capable next hop as its own process, for a network namespace (`ip netns exec NS node … tls-sink-serve.ts
// JSON`): an MX on port 25 of an address only that namespace has. STARTTLS with the given certificate; every message
// is printed as one `mail {json}` line (the address it arrived at, envelope, whether it came over TLS, the body).
// Prints "ready" once every address listens.
import { readFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';

interface Opts {
  hosts: string[];
  port: number;
  cert: string;
  key: string;
}
const opts = JSON.parse(process.argv[2] ?? '{}') as Opts;
const tls = { cert: readFileSync(opts.cert), key: readFileSync(opts.key) };

await Promise.all(
  opts.hosts.map(
    (host) =>
      new Promise<void>((resolve, reject) => {
        const server = new SMTPServer({
          ...tls,
          secure: false,
          authOptional: true,
          disabledCommands: ['AUTH'],
          logger: false,
          onData(stream, session, cb) {
            const chunks: Buffer[] = [];
            stream.on('data', (c: Buffer) => chunks.push(c));
            stream.on('end', () => {
              const mail = {
                host,
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
                tls: session.secure,
                raw: Buffer.concat(chunks).toString('utf8'),
              };
              process.stdout.write(`mail ${JSON.stringify(mail)}\n`);
              cb();
            });
          },
        });
        server.once('error', reject);
        server.listen(opts.port, host, () => resolve());
      }),
  ),
);
process.stdout.write('ready\n');
