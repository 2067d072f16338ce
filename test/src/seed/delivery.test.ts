import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, type SeededPostfix, seededPostfix, swaks } from '../harness/index.ts';

let mta: SeededPostfix;
before(async () => {
  mta = await seededPostfix({
    env: {
      MAIL_DOMAIN: 'example.com example.net',
      MAIL_BOXES: 'info@example.com abuse@example.com box@example.net:net/box/',
      MAIL_ALIASES: 'root:info,abuse@example.com postmaster:root sales@example.net:info',
      REGEX_ALIAS: '/([^+]+)[+-].*@(.+)/ $1@$2',
      MESSAGE_SIZE_LIMIT: '20000',
      // Only 127.0.0.1 is trusted, so a client on 127.0.0.2 is "the internet".
      MYNETWORKS: '127.0.0.1/32',
    },
  });
});
after(() => mta?.stop());

const send = (to: string, extra: string[] = []) =>
  swaks(['--server', `127.0.0.1:${mta.port}`, '--from', 'sender@remote.test', '--to', to, ...extra]);
const untrusted = (to: string) => send(to, ['--local-interface', '127.0.0.2']);
const mbox = (addr: string) => join(mta.paths.mail, addr);
const mboxHas = (addr: string, text: string) => existsSync(mbox(addr)) && readFileSync(mbox(addr), 'utf8').includes(text);

test('a MAIL_BOXES address gets mail in /var/mail/<addr>, owned by vmail', async () => {
  const r = send('info@example.com', ['--body', 'plain-delivery-1']);
  assert.equal(r.status, 0, r.output);
  await eventually(() => mboxHas('info@example.com', 'plain-delivery-1'), 15_000, 'delivery to info');
  const { statSync } = await import('node:fs');
  assert.equal(statSync(mbox('info@example.com')).uid, 5000);
});

test('addr:path with a trailing slash is a maildir under /var/mail on the second domain', async () => {
  const r = send('box@example.net', ['--body', 'maildir-delivery-2']);
  assert.equal(r.status, 0, r.output);
  const dir = join(mta.paths.mail, 'net/box/new');
  await eventually(
    () => existsSync(dir) && readdirSync(dir).some((f) => readFileSync(join(dir, f), 'utf8').includes('maildir-delivery-2')),
    15_000,
    'maildir delivery',
  );
});

test('unknown recipients of a MAIL_DOMAIN are rejected at RCPT with 550 5.1.1', () => {
  const r = send('nobody@example.com');
  assert.notEqual(r.status, 0);
  assert.match(r.output, /<\*\* 550 5\.1\.1 <nobody@example\.com>/);
  assert.doesNotMatch(r.output, /queued as/);
});

test('alias chains resolve and bare locals complete to the primary domain', async () => {
  const r = send('postmaster@example.com', ['--body', 'alias-chain-3']);
  assert.equal(r.status, 0, r.output);
  await eventually(
    () => mboxHas('info@example.com', 'alias-chain-3') && mboxHas('abuse@example.com', 'alias-chain-3'),
    15_000,
    'alias chain',
  );
  const r2 = send('sales@example.net', ['--body', 'alias-domain-4']);
  assert.equal(r2.status, 0, r2.output);
  await eventually(() => mboxHas('info@example.com', 'alias-domain-4'), 15_000, 'alias to bare local');
});

test('REGEX_ALIAS: plus and minus addresses reach the base mailbox', async () => {
  for (const [to, body] of [
    ['info+news@example.com', 'regex-plus-5'],
    ['info-lists@example.com', 'regex-minus-6'],
  ]) {
    const r = send(to!, ['--body', body!]);
    assert.equal(r.status, 0, r.output);
  }
  await eventually(() => mboxHas('info@example.com', 'regex-plus-5') && mboxHas('info@example.com', 'regex-minus-6'), 15_000, 'regex');
});

test('MESSAGE_SIZE_LIMIT: a bigger message is rejected with 552', () => {
  const r = send('info@example.com', ['--body', 'x'.repeat(30_000)]);
  assert.notEqual(r.status, 0);
  assert.match(r.output, /552 5\.3\.4/);
});

test('no open relay: foreign domains and routing tricks are refused with 554 5.7.1', () => {
  for (const to of [
    'someone@elsewhere.test',
    'user%elsewhere.test@example.com',
    '@a.test:u@elsewhere.test',
    '"u@elsewhere.test"@example.com',
  ]) {
    const r = untrusted(to);
    assert.notEqual(r.status, 0, `${to} was accepted:\n${r.output}`);
    assert.match(r.output, /<\*\* 554 5\.7\.1/, `${to}:\n${r.output}`);
  }
  // The same untrusted client may still deliver to our own mailboxes.
  assert.equal(untrusted('abuse@example.com').status, 0);
});
