// A receiving SMTP server for the image tests' outgoing mail, started inside the container's network namespace:
//   node --import tsx sink.ts <port> <dir>     each message is written to <dir>/<n>.eml
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

const [port, dir] = process.argv.slice(2);
if (!port || !dir) {
  console.error('usage: sink.ts <port> <dir>');
  process.exit(2);
}
let n = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onData(stream, _session, cb) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      writeFileSync(join(dir, `${++n}.eml`), Buffer.concat(chunks));
      cb();
    });
  },
});
server.listen(Number(port), '127.0.0.1', () => console.log(`sink listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
