import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderSrs, srsRenderer } from '@mta/seed/postfix/srs';
import { renderers } from '@mta/seed/renderers';
import { eventually, fileScope, freePort, seededPostfix, sendMail, startPostsrsd } from '../harness/index.ts';
import { startSink } from '../harness/sink.ts';

const cleanups = fileScope();

const PASS_A = 'alpha-Secret-71c';
const PASS_B = 'bravo-Secret-2e9';
const PASS_C = 'charlie-Secret-5d0';
const PASS_G = 'global-Secret-88f';

// Three relays chosen by sender and the global relay, each sink accepting only its own login. A sender matching relay
// A (by domain), one matching relay B (by address), one matching none (the global relay), and relay C, whose TLS
// level (encrypt, the default with credentials) its sink cannot meet: the relay's own TLS policy holds the mail.
test('SMTP_RELAY_SENDER_HOSTAUTH: each sender reaches its own relay with its own credentials; others use the global relay', async () => {
  const [a, b, c, g] = await Promise.all([
    startSink({ auth: { user: 'alice', pass: PASS_A } }),
    startSink({ auth: { user: 'bob', pass: PASS_B } }),
    startSink({ auth: { user: 'carol', pass: PASS_C } }),
    startSink({ auth: { user: 'global', pass: PASS_G } }),
  ]);
  for (const s of [a, b, c, g]) cleanups.defer(s.stop);
  const dir = await cleanups.dir('mta-relays-');
  // As a secret file: one relay a line.
  const secret = join(dir, 'relays');
  writeFileSync(
    secret,
    [
      `@a.example [127.0.0.1]:${a.port} alice:${PASS_A} none`,
      `bob@b.example [127.0.0.1]:${b.port} bob:${PASS_B} none`,
      `@c.example [127.0.0.1]:${c.port} carol:${PASS_C}`,
      '',
    ].join('\n'),
  );
  const mta = await seededPostfix({
    env: {
      MAIL_DOMAIN: 'example.com',
      MYNETWORKS: '127.0.0.0/8',
      SMTP_RELAY_HOSTAUTH: `[127.0.0.1]:${g.port} global:${PASS_G}`,
      SMTP_RELAY_SENDER_HOSTAUTH__FILE: secret,
      SMTP_TLS_SECURITY_LEVEL: 'none',
    },
  });
  cleanups.defer(mta.stop);
  const send = (from: string, token: string) => {
    const r = sendMail(mta.port, from, 'friend@far-away.test', token);
    assert.equal(r.status, 0, r.output);
  };
  send('anyone@a.example', 'via-a');
  send('bob@b.example', 'via-b');
  send('other@b.example', 'via-global-1');
  send('info@example.com', 'via-global-2');
  send('someone@c.example', 'via-c');

  const got = async (sink: typeof a, token: string, user: string) => {
    const m = await eventually(() => sink.mails.find((x) => x.raw.includes(token)), 20_000, `${token} at its relay`);
    assert.equal(m.user, user, token);
  };
  await got(a, 'via-a', 'alice');
  await got(b, 'via-b', 'bob');
  await got(g, 'via-global-1', 'global');
  await got(g, 'via-global-2', 'global');
  // Relay C offers no STARTTLS; its level is encrypt: deferred, and its password never crossed in clear.
  await eventually(
    () => /to=<friend@far-away\.test>.*status=deferred.*TLS is required, but was not offered/.test(mta.postfix.output()),
    20_000,
    'deferral at relay C',
  );
  assert.equal(c.mails.length, 0);
  assert.equal(c.authFailures(), 0);
  // No message went to a relay it was not meant for, and no login was refused anywhere.
  assert.deepEqual(
    [a, b, g].map((s) => s.mails.length),
    [1, 1, 2],
  );
  for (const s of [a, b, g]) assert.equal(s.authFailures(), 0);

  // The credentials: only in the root-only map, never in main.cf, the seed's log or postfix's.
  const sasl = join(mta.paths.postfixConf, 'sasl_passwd');
  assert.equal(statSync(sasl).mode & 0o777, 0o600);
  assert.equal(statSync(`${sasl}.db`).mode & 0o777, 0o600);
  const main = readFileSync(join(mta.paths.postfixConf, 'main.cf'), 'utf8');
  assert.match(main, /^smtp_sender_dependent_authentication = yes$/m);
  assert.match(main, /^smtp_tls_policy_maps = hash:\S+\/mta-relay-tls-policy$/m);
  for (const p of [PASS_A, PASS_B, PASS_C, PASS_G]) {
    assert.doesNotMatch(main, new RegExp(p));
    assert.doesNotMatch(mta.seedLog.join(''), new RegExp(p));
    assert.doesNotMatch(mta.postfix.output(), new RegExp(p));
  }
});

// Forwarding with SRS: the first pass goes to the SRS transport whatever relay the original sender has (its explicit
// next hop wins); the rewritten message is from the SRS domain and leaves through that domain's relay and login.
test('SRS and sender relays: forwarded mail leaves through the relay of the SRS domain, not that of the original sender', async () => {
  const [ours, theirs] = await Promise.all([
    startSink({ auth: { user: 'alice', pass: PASS_A } }),
    startSink({ auth: { user: 'x', pass: PASS_B } }),
  ]);
  for (const s of [ours, theirs]) cleanups.defer(s.stop);
  const ports = { forward: await freePort(), reverse: await freePort(), reinject: await freePort() };
  const mta = await seededPostfix({
    renderers: renderers.map((r) => (r === renderSrs ? srsRenderer(ports) : r)),
    env: {
      MAIL_DOMAIN: 'a.test',
      MAIL_BOXES: 'box@a.test',
      MAIL_ALIASES: 'fwd:bob@far-away.test',
      MYNETWORKS: '127.0.0.0/8',
      SRS: 'yes',
      SMTP_RELAY_SENDER_HOSTAUTH: `@a.test [127.0.0.1]:${ours.port} alice:${PASS_A} none, @ext.example [127.0.0.1]:${theirs.port} x:${PASS_B} none`,
    },
  });
  cleanups.defer(mta.stop);
  cleanups.keep(await startPostsrsd(mta.paths));
  const r = sendMail(mta.port, 'carol@ext.example', 'fwd@a.test', 'forwarded-srs');
  assert.equal(r.status, 0, r.output);
  const m = await eventually(
    () => ours.mails.find((x) => x.raw.includes('forwarded-srs')),
    30_000,
    'forwarded mail at the SRS domain relay',
  );
  assert.match(m.from, /^SRS0=[^@]+=ext\.example=carol@a\.test$/);
  assert.equal(m.user, 'alice');
  assert.equal(theirs.mails.length, 0);
});
