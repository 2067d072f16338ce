import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { healthChecks } from '@mta/cli/health/checks';
import { probe } from '@mta/cli/health/probe';
import { renderSrs, srsRenderer } from '@mta/seed/postfix/srs';
import { renderers } from '@mta/seed/renderers';
import {
  type Daemon,
  eventually,
  fileScope,
  freePort,
  healthFacts,
  type SeededPostfix,
  seededPostfix,
  startPostsrsd,
  swaks,
} from '../harness/index.ts';

// Two seeded postfix instances on loopback: a.test (SRS=yes, the forwarder) and b.test (the external domain its
// alias forwards to, where alice and bob have mailboxes). Every mail A sends to another domain goes to B.
const scope = fileScope();
let a: SeededPostfix;
let b: SeededPostfix;
let srsd: Daemon;

const fast = { SMTP_DNS_SUPPORT_LEVEL: 'disabled', QUEUE_RUN_DELAY: '2s', MINIMAL_BACKOFF_TIME: '2s', MAXIMAL_BACKOFF_TIME: '4s' };

// A's environment; B's port is known once B runs.
const aEnv = (over: Record<string, string> = {}) => ({
  HOSTNAME: 'mx.a.test',
  MAIL_DOMAIN: 'a.test a2.test',
  MAIL_BOXES: 'box@a.test',
  MAIL_ALIASES: 'fwd:bob@b.test both:box,bob@b.test lost:nobody@b.test',
  MYNETWORKS: '127.0.0.1/32',
  SRS: 'yes',
  DEFAULT_TRANSPORT: `smtp:[127.0.0.1]:${b.port}`,
  ...fast,
  ...over,
});

before(async () => {
  b = scope.keep(
    await seededPostfix({
      env: { HOSTNAME: 'mx.b.test', MAIL_DOMAIN: 'b.test', MAIL_BOXES: 'alice@b.test bob@b.test', MYNETWORKS: '127.0.0.1/32', ...fast },
    }),
  );
  const ports = { forward: await freePort(), reverse: await freePort(), reinject: await freePort() };
  a = scope.keep(
    await seededPostfix({
      renderers: renderers.map((r) => (r === renderSrs ? srsRenderer(ports) : r)),
      env: aEnv(),
    }),
  );
  srsd = scope.keep(await startPostsrsd(a.paths));
});

const mbox = (m: SeededPostfix, addr: string) => join(m.paths.mail, addr);
const read = (m: SeededPostfix, addr: string) => (existsSync(mbox(m, addr)) ? readFileSync(mbox(m, addr), 'utf8') : '');
// The message of an mbox that carries `marker`, with its Return-Path (virtual(8) writes it from the envelope sender).
const message = (m: SeededPostfix, addr: string, marker: string) =>
  read(m, addr)
    .split(/^From /m)
    .find((msg) => msg.includes(marker));
const returnPath = (msg: string | undefined) => msg?.match(/^Return-Path: <([^>]*)>/m)?.[1];
// A client from outside (127.0.0.2 is not in MYNETWORKS).
const sendTo = (m: SeededPostfix, from: string, to: string, body: string) =>
  swaks(['--server', `127.0.0.1:${m.port}`, '--local-interface', '127.0.0.2', '--from', from, '--to', to, '--body', body]);

// An SRS0 address as postsrsd builds it (srs2.c): HMAC-SHA1 over the lowercased timestamp, host and user, base64,
// the first 4 characters; the timestamp is the day number modulo 1024 in two base32 characters.
function srs0(secret: string, day: number, host: string, user: string, domain: string): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const t = day % 1024;
  const stamp = `${chars[(t >> 5) & 31]}${chars[t & 31]}`;
  const hash = createHmac('sha1', secret).update(`${stamp}${host}${user}`.toLowerCase()).digest('base64').slice(0, 4);
  return `SRS0=${hash}=${stamp}=${host}=${user}@${domain}`;
}
const today = () => Math.floor(Date.now() / 86_400_000);
const secret = () => readFileSync(a.paths.srsSecret, 'utf8').split('\n')[0] ?? '';

test('the secret is generated once on /srv: root, 0600, and in no argument or log line', () => {
  const st = statSync(a.paths.srsSecret);
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal(st.uid, 0);
  assert.ok(secret().length >= 40);
  assert.ok(!readFileSync(a.paths.srsArgs, 'utf8').includes(secret()));
  assert.ok(!a.seedLog.join('\n').includes(secret()));
  assert.ok(!srsd.output().includes(secret()));
});

test('a forwarded message leaves with an SRS sender; the same message to a local box keeps its Return-Path', async () => {
  const r = sendTo(a, 'carol@ext.test', 'both@a.test', 'srs-both-1');
  assert.equal(r.status, 0, r.output);
  const local = await eventually(() => message(a, 'box@a.test', 'srs-both-1'), 20_000, 'local copy');
  const remote = await eventually(() => message(b, 'bob@b.test', 'srs-both-1'), 20_000, 'forwarded copy');
  assert.equal(returnPath(local), 'carol@ext.test');
  assert.match(returnPath(remote) ?? '', /^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=ext\.test=carol@a\.test$/i);
  // Only the envelope: the From header is the author's.
  assert.match(remote ?? '', /^From: carol@ext\.test$/m);
});

test('mail from our own domains and bounces (null sender) are forwarded as they are', async () => {
  assert.equal(sendTo(a, 'box@a2.test', 'fwd@a.test', 'srs-own-2').status, 0);
  assert.equal(sendTo(a, '<>', 'fwd@a.test', 'srs-null-3').status, 0);
  assert.equal(returnPath(await eventually(() => message(b, 'bob@b.test', 'srs-own-2'), 20_000, 'own domain')), 'box@a2.test');
  assert.equal(returnPath(await eventually(() => message(b, 'bob@b.test', 'srs-null-3'), 20_000, 'null sender')), '');
});

test('a bounce to the SRS address is reversed to the original sender', async () => {
  const r = sendTo(a, 'alice@b.test', 'fwd@a.test', 'srs-bounce-4');
  assert.equal(r.status, 0, r.output);
  const srs = returnPath(await eventually(() => message(b, 'bob@b.test', 'srs-bounce-4'), 20_000, 'forwarded copy')) ?? '';
  assert.match(srs, /^SRS0=.*=b\.test=alice@a\.test$/);
  // B's bounce, as any remote MTA sends it: null sender, to the envelope sender it got.
  const bounce = sendTo(a, '<>', srs, 'srs-dsn-4');
  assert.equal(bounce.status, 0, bounce.output);
  const back = await eventually(() => message(b, 'alice@b.test', 'srs-dsn-4'), 20_000, 'bounce at alice');
  assert.equal(returnPath(back), '');
  // The envelope recipient is reversed; the header is the remote bouncer's own text (postfix rewrites headers of
  // local clients only: local_header_rewrite_clients).
  assert.match(back ?? '', /^X-Original-To: alice@b\.test$/m);
});

test("B refuses the forwarded copy: A's own bounce goes to the SRS sender and is reversed to the original sender", async () => {
  const r = sendTo(a, 'alice@b.test', 'lost@a.test', 'srs-lost-8');
  assert.equal(r.status, 0, r.output);
  const dsn = await eventually(() => message(b, 'alice@b.test', 'srs-lost-8'), 30_000, 'bounce at alice');
  assert.equal(returnPath(dsn), '');
  assert.match(dsn ?? '', /^From: Mail Delivery System <MAILER-DAEMON@mx\.a\.test>$/m);
  // A bounce made here is local mail: its To: header is reversed too (recipient_canonical_classes header_recipient).
  assert.match(dsn ?? '', /^To: alice@b\.test$/m);
  assert.match(dsn ?? '', /nobody@b\.test/);
});

test('forged, tampered and expired SRS addresses are refused at RCPT', () => {
  const key = secret();
  const cases = {
    forged: srs0('not-the-secret', today(), 'b.test', 'alice', 'a.test'),
    tampered: srs0(key, today(), 'b.test', 'alice', 'a.test').replace('=alice@', '=mallory@'),
    expired: srs0(key, today() - 30, 'b.test', 'alice', 'a.test'),
  };
  // The control: the same construction with the secret and today's stamp is accepted, so the refusals are the hash's
  // and the timestamp's.
  const valid = sendTo(a, '<>', srs0(key, today(), 'b.test', 'alice', 'a.test'), 'srs-valid-5');
  assert.equal(valid.status, 0, valid.output);
  for (const [what, rcpt] of Object.entries(cases)) {
    const r = sendTo(a, '<>', rcpt, `srs-${what}`);
    assert.notEqual(r.status, 0, `${what}: ${r.output}`);
    assert.match(r.output, /<\*\* 550 5\.1\.1 /, what);
  }
});

test('the container health check asks postsrsd through the reverse table postfix uses', async () => {
  const maps = execFileSync('postconf', ['-c', a.paths.postfixConf, '-h', 'recipient_canonical_maps'], { encoding: 'utf8' }).trim();
  const checks = healthChecks(healthFacts({ variant: 'mini', recipientCanonicalMaps: maps })).slice(1);
  assert.equal(checks.length, 1);
  for (const c of checks) assert.equal(await probe(c.target, c.probe), undefined);
});

// Last: it stops postsrsd.
// postsrsd forks a child per connection, and postfix keeps its table connections open: stopping the daemon means
// stopping those children too (collected by parent pid before the parent goes).
const children = (pid: number) =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return (
          readFileSync(`/proc/${d}/stat`, 'utf8')
            .replace(/^.*\) /, '')
            .split(' ')[1] === String(pid)
        );
      } catch {
        return false;
      }
    })
    .map(Number);

test('without postsrsd, mail for our domains is refused for now (451 4.3.0): never forwarded unrewritten, never bounced', async () => {
  const logBefore = readFileSync(join(a.root, 'maillog'), 'utf8').length;
  const kids = children(srsd.proc.pid ?? 0);
  await srsd.stop();
  // A child may already have ended with its parent (ESRCH): only the ones still there are stopped.
  for (const k of kids)
    try {
      process.kill(k, 'SIGTERM');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  // postfix retries the table for about 10 s, then answers the recipient with a temporary error; the sender keeps it.
  const bounce = sendTo(a, '<>', srs0(secret(), today(), 'b.test', 'alice', 'a.test'), 'srs-down-bounce-6');
  const fwd = sendTo(a, 'carol@ext.test', 'fwd@a.test', 'srs-down-6');
  for (const r of [bounce, fwd]) {
    assert.match(r.output, /<\*\* 451 4\.3\.0 .*Temporary lookup failure/);
    assert.doesNotMatch(r.output, /queued as/);
  }
  assert.doesNotMatch(readFileSync(join(a.root, 'maillog'), 'utf8').slice(logBefore), /status=bounced/);
});

// After the test above: postsrsd is gone, and SRS=no needs none.
test('SRS=no on a later seeding unwires everything but the secret, which a later SRS=yes keeps', async () => {
  const key = readFileSync(a.paths.srsSecret);
  await a.reseed(aEnv({ SRS: 'no', FORCE_CONFIG: 'yes' }));
  assert.equal(existsSync(a.paths.srsArgs), false);
  const r = sendTo(a, 'carol@ext.test', 'fwd@a.test', 'srs-off-7');
  assert.equal(r.status, 0, r.output);
  assert.equal(returnPath(await eventually(() => message(b, 'bob@b.test', 'srs-off-7'), 20_000, 'forwarded as it is')), 'carol@ext.test');
  await a.reseed(aEnv({ FORCE_CONFIG: 'yes' }));
  assert.ok(existsSync(a.paths.srsArgs));
  assert.deepEqual(readFileSync(a.paths.srsSecret), key);
});
