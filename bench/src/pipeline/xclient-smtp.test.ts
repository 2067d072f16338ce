import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { XclientSession } from './xclient-smtp.ts';

// A scripted SMTP server: multi-line EHLO replies, XCLIENT answered by a new greeting, the DATA of each message kept,
// and a message whose subject says so refused at the end of DATA.
let server: Server;
let port: number;
const commands: string[] = [];
const messages: string[] = [];

before(async () => {
  server = createServer((s) => {
    let data: string | undefined;
    s.write('220 test ESMTP\r\n');
    createInterface({ input: s, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      if (data !== undefined) {
        if (line !== '.') {
          // The server takes one leading dot off (RFC 5321 4.5.2): a message line that began with a dot arrives whole.
          data += `${line.startsWith('.') ? line.slice(1) : line}\r\n`;
          return;
        }
        messages.push(data);
        s.write(data.includes('Subject: refuse') ? '550 5.7.1 refused\r\n' : '250 2.0.0 Ok: queued\r\n');
        data = undefined;
        return;
      }
      commands.push(line);
      if (line.startsWith('EHLO')) s.write('250-test\r\n250-XCLIENT ADDR NAME\r\n250 8BITMIME\r\n');
      else if (line.startsWith('XCLIENT')) s.write('220 test ESMTP again\r\n');
      else if (line === 'DATA') {
        data = '';
        s.write('354 go on\r\n');
      } else if (line === 'QUIT') s.end('221 bye\r\n');
      else s.write('250 2.1.0 Ok\r\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
after(() => server.close());

test('claims the address with XCLIENT, sends messages dot-stuffed on one session, and goes on after a refusal', async () => {
  const s = await XclientSession.open(port, '192.0.2.10');
  assert.deepEqual(commands, ['EHLO bench.test', 'XCLIENT ADDR=192.0.2.10 NAME=[UNAVAILABLE]', 'EHLO bench.test']);
  await s.send('a@pass.example', 'bob@example.com', 'Subject: one\r\n\r\n.leading dot\r\nend');
  await assert.rejects(s.send('a@pass.example', 'bob@example.com', 'Subject: refuse\r\n\r\nx\r\n'), /550 5\.7\.1 refused/);
  await s.send('a@pass.example', 'bob@example.com', 'Subject: three\r\n\r\nafter the refusal\r\n');
  s.close();
  assert.deepEqual(messages, [
    'Subject: one\r\n\r\n.leading dot\r\nend\r\n',
    'Subject: refuse\r\n\r\nx\r\n',
    'Subject: three\r\n\r\nafter the refusal\r\n',
  ]);
  assert.deepEqual(commands.slice(3, 6), ['MAIL FROM:<a@pass.example>', 'RCPT TO:<bob@example.com>', 'DATA']);
});
