import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acmeV2, type Issued, issue, makeCa } from '@mta/acme-watch/testing';
import { eventually, tempRoot, tsxArgs } from '../harness/index.ts';
import {
  buildImages,
  type Container,
  clientIn,
  delivered,
  greeting,
  healthy,
  imageRef,
  mailIn,
  netns,
  podman,
  queue,
  queueIds,
  RELEASE,
  REPO,
  type Run,
  removeVolume,
  servedCert,
  sh,
  skipReason,
  startContainer,
  state,
  VARIANTS,
  whileRunning,
} from './podman.ts';

// Upgrade in place (#30): a /srv seeded and used by the previous release's full image (bookworm: Postfix 3.7, Dovecot
// 2.3) starts on this release's full image. Two volumes, one per mail store the image keeps on /srv: A delivers to
// dovecot (maildir and its indexes; with a deferred queue, DKIM keys, Bayes data, a ban and an ACME certificate), B
// to postfix's own mailboxes. After the switch: nothing lost, nothing seeded again, only dovecot's files and main.cf's
// release rows migrated. Remote LMTP (VIRTUAL_TRANSPORT=lmtp:host:port) keeps no mail on /srv, only the queue, which
// A covers. MTA_UPGRADE_FROM names the previous release. Runs with MTA_TEST_UPGRADE=1 only: it builds that release's
// full image besides this one's (minutes without a layer cache) and runs two full containers twice, which CI's
// 30 minutes on 2 cores cannot hold beside the other image tests (docs/image.md, Tests).

const PREVIOUS = process.env.MTA_UPGRADE_FROM ?? 'bookworm';
const skip =
  skipReason() ??
  (process.env.MTA_TEST_UPGRADE === '1' ? undefined : 'upgrade test runs with MTA_TEST_UPGRADE=1 (it builds the previous release too)') ??
  (VARIANTS.includes('full') ? undefined : 'needs the full image (MTA_TEST_IMAGE_VARIANTS)') ??
  (PREVIOUS === RELEASE ? `the release under test is ${PREVIOUS} itself` : undefined);
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const SINK_PORT = 2525;
const BANNED = '192.0.2.99';
const TAG = `${process.pid}`;

const ENV_A: Record<string, string> = {
  MAIL_BOXES: 'info@example.test abuse@example.test',
  // fwd goes out through the relay, which is down while the previous image runs: a deferred queue.
  MAIL_ALIASES: 'postmaster:info@example.test fwd:someone@remote.test',
  VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport',
  MYNETWORKS: '127.0.0.0/8',
  POSTSCREEN: 'yes',
  SMTPD_SASL_CLIENTAUTH: 'app:{plain}app-secret',
  SMTPD_USE_TLS: 'yes',
  SMTP_RELAY_HOSTAUTH: `[127.0.0.1]:${SINK_PORT}`,
  DKIM_SELECTOR: 'default',
  SA_TAG_LEVEL_DEFLT: '-999',
};
const ENV_B: Record<string, string> = {
  MAIL_BOXES: 'info@example.test',
  MAIL_ALIASES: 'postmaster:info@example.test',
  MYNETWORKS: '127.0.0.0/8',
  SA_TAG_LEVEL_DEFLT: '-999',
};

// `podman exec -i`: a command reading the given input.
const execIn = (c: Container, input: string, ...cmd: string[]): Run =>
  sh('podman', ['--runtime', 'runc', 'exec', '-i', c.name, ...cmd], { input });

// Every file under /srv/etc (path -> sha256): what seeding wrote. Only sha256sum's lines: podman's own complaints
// share the output.
const SUMS = 'find /srv/etc -type f -exec sha256sum {} +';
const sums = (out: string) => new Map([...out.matchAll(/^([0-9a-f]{64}) [ *](.+)$/gm)].map((m) => [m[2] as string, m[1] as string]));
const etcFiles = (c: Container) => sums(c.exec('sh', '-c', SUMS).out);

// The queue: how many messages, and the ids of the deferred ones.
const deferred = (c: Container) => {
  const q = queue(c);
  return { all: q.length, deferred: q.filter((m) => m.queue_name === 'deferred').map((m) => m.queue_id) };
};
const dkimDigest = (c: Container) => c.exec('sh', '-c', 'cat /var/db/dkim/*.pem | sha256sum').out.trim();
const bayes = (c: Container) => {
  const magic = c.exec(
    ...['setpriv', '--reuid=amavis', '--regid=amavis', '--clear-groups', 'env', 'HOME=/var/amavis'],
    ...['sa-learn', '--dbpath', '/var/amavis/.spamassassin/bayes', '--dump', 'magic'],
  ).out;
  const n = (what: string) => Number(new RegExp(`(\\d+)\\s+\\d+\\s+non-token data: ${what}$`, 'm').exec(magic)?.[1] ?? Number.NaN);
  return { nspam: n('nspam'), ntokens: n('ntokens') };
};
// An IMAP session with the mailbox's own dovecot imap process (preauthenticated through the userdb: the passdb of A
// has only SMTP logins): what a mail client gets, read through dovecot's storage and indexes.
const imap = (c: Container, user: string, commands: string[]) =>
  execIn(c, `${commands.map((cmd, i) => `a${i} ${cmd}\r\n`).join('')}z LOGOUT\r\n`, 'doveadm', 'exec', 'imap', '-u', user).out;
const events = (c: Container, event: string) =>
  c
    .logs()
    .split('\n')
    .filter((l) => l.includes(`"event":"${event}"`));

describe(`upgrade in place: a /srv of the ${PREVIOUS} full image on the ${RELEASE} full image`, { skip, concurrency: false }, () => {
  const cleanups: (() => unknown)[] = [];
  const nsA = `mta-up-a-${TAG}`;
  const nsB = `mta-up-b-${TAG}`;
  const volA = `mta-test-upgrade-a-${TAG}`;
  const volB = `mta-test-upgrade-b-${TAG}`;
  let a: Container;
  let b: Container;
  let clamDir = '';
  let acmeDir = '';
  let sinkDir = '';
  let acmeCert: Issued;
  const seen: {
    etcA?: Map<string, string>;
    etcB?: Map<string, string>;
    tokenA?: string;
    tokenB?: string;
    queued?: string[];
    fwdToken?: string;
    dkim?: string;
    bayes?: { nspam: number; ntokens: number };
    effectiveA?: { seededAt?: string };
  } = {};
  const names = { a: `mta-test-up-a-${TAG}`, b: `mta-test-up-b-${TAG}` };
  const start = (name: string, ns: string, volume: string, release: string, env: Record<string, string>, extra: string[] = []) =>
    startContainer({
      name,
      image: imageRef('full', release),
      ns,
      env,
      volumes: [`${volume}:/srv`, `${clamDir}:/srv/var/lib/clamav`, ...extra],
    });
  const up = (c: Container, ns: string, what: string) =>
    whileRunning(c, () => greeting(ns, 25).startsWith('220 '), 90_000, `220 from ${what}`);

  before(
    async () => {
      // The previous release's image first, under the same build lock as every other image test file's build.
      await buildImages(['full'], PREVIOUS);
      await buildImages(['full']);
      for (const ns of [nsA, nsB]) cleanups.push(netns(ns).remove);
      const tmp = await tempRoot('mta-upgrade-');
      cleanups.push(() => tmp.cleanup());
      // A one-signature ClamAV database (EICAR by MD5): clamd starts in a second, no freshclam download needed.
      clamDir = join(tmp.dir, 'clamav');
      mkdirSync(clamDir);
      const md5 = createHash('md5').update(EICAR).digest('hex');
      writeFileSync(join(clamDir, 'test.hdb'), `${md5}:${Buffer.byteLength(EICAR)}:Eicar-Test-Signature\n`);
      chmodSync(clamDir, 0o777);
      acmeDir = join(tmp.dir, 'acme');
      mkdirSync(acmeDir);
      acmeCert = issue(makeCa('mta upgrade test CA'), { cn: 'mx.example.test', sans: ['mx.example.test'] });
      writeFileSync(join(acmeDir, 'acme.json'), acmeV2({ le: [{ main: 'mx.example.test', cert: acmeCert }] }));
      chmodSync(acmeDir, 0o755);
      chmodSync(join(acmeDir, 'acme.json'), 0o644);
      sinkDir = join(tmp.dir, 'sink');
      mkdirSync(sinkDir);
    },
    { timeout: 45 * 60_000 },
  );

  after(() => {
    for (const c of [a, b]) {
      if (!c) continue;
      if (process.env.MTA_TEST_IMAGE_LOGS === '1') console.log(c.logs());
      c.remove();
    }
    for (const v of [volA, volB]) removeVolume(v);
    for (const fn of cleanups.reverse()) fn();
  });

  it(`${PREVIOUS}: seeds both volumes and puts mail, a deferred queue, DKIM keys, Bayes data, a ban and an ACME certificate on them`, async () => {
    a = start(names.a, nsA, volA, PREVIOUS, ENV_A, [`${acmeDir}:/acme:ro`]);
    b = start(names.b, nsB, volB, PREVIOUS, ENV_B);
    await Promise.all([up(a, nsA, `${PREVIOUS} A`), up(b, nsB, `${PREVIOUS} B`)]);
    assert.match(a.exec('mta', 'status').out, /^daemons: postfix 3\.7\.\d+, dovecot 2\.3\./m);
    await Promise.all([healthy(a, undefined, `${PREVIOUS} A healthy`), healthy(b, undefined, `${PREVIOUS} B healthy`)]);

    seen.tokenA = `up-a-${TAG}-${Date.now()}`;
    seen.tokenB = `up-b-${TAG}-${Date.now()}`;
    assert.equal(mailIn(nsA, 'sender@remote.test', 'info@example.test', seen.tokenA).status, 0);
    assert.equal(mailIn(nsB, 'sender@remote.test', 'postmaster@example.test', seen.tokenB).status, 0);
    const fileA = await eventually(() => delivered(a, seen.tokenA ?? ''), 120_000, 'delivery into dovecot');
    assert.match(fileA, /^\/var\/mail\/example\.test\/info\//m, 'a maildir of dovecot');
    const fileB = await eventually(() => delivered(b, seen.tokenB ?? ''), 120_000, "delivery into postfix's mailbox");
    assert.doesNotMatch(fileB, /\/example\.test\/info\//, "postfix's own mailbox, not dovecot's");
    // Read once over IMAP: dovecot 2.3 writes its indexes (and \Seen) for the mailbox.
    assert.match(imap(a, 'info@example.test', ['SELECT INBOX', 'FETCH 1 (FLAGS BODY[TEXT])']), new RegExp(seen.tokenA));
    assert.match(a.exec('sh', '-c', 'ls /var/mail/example.test/info/').out, /dovecot\.index/);

    // Deferred: forwarded through the relay, which is not listening.
    seen.fwdToken = `up-fwd-${TAG}-${Date.now()}`;
    assert.equal(mailIn(nsA, 'sender@remote.test', 'fwd@example.test', seen.fwdToken).status, 0);
    // Only the deferred message left (nothing still on its way through amavis).
    seen.queued = await eventually(
      () => {
        const q = deferred(a);
        return q.all === 1 && q.deferred.length === 1 ? q.deferred : undefined;
      },
      120_000,
      'the forwarded message deferred',
    );

    // Bayes data, learned as the operator does.
    const spam = 'From: x@offers.example\nTo: info@example.test\nSubject: cheap pills\n\nwinner lottery prize cheap pills now\n';
    assert.equal(execIn(a, spam, 'sh', '-c', 'cat > /tmp/spam.eml && mta learn spam /tmp/spam.eml').status, 0);
    seen.bayes = await eventually(
      () => {
        const v = bayes(a);
        return v.nspam >= 1 && v.ntokens > 0 ? v : undefined;
      },
      60_000,
      'Bayes data',
    );

    const ban = a.exec('mta', 'guard', 'ban', BANNED, '--for', '2d', '--reason', 'upgrade test');
    assert.equal(ban.status, 0, ban.out);
    assert.match(a.exec('mta', 'guard', 'ls').out, new RegExp(`^${BANNED.replaceAll('.', '\\.')} `, 'm'));
    seen.dkim = dkimDigest(a);
    assert.match(a.exec('sh', '-c', 'ls /var/db/dkim/').out, /example\.test/);
    assert.match(await eventually(() => servedCert(nsA) || undefined, 30_000, 'certificate'), new RegExp(`serial=${acmeCert.serial}`));
    seen.effectiveA = JSON.parse(a.exec('cat', '/srv/etc/mta/effective.json').out);

    for (const c of [a, b]) {
      const stop = podman('stop', '-t', '10', c.name);
      assert.equal(stop.status, 0, stop.out);
      assert.equal(state(c.name).exitCode, 0);
    }
    // Read from the stopped volumes: what the previous image left.
    const peek = (volume: string) => {
      const args = ['--rm', '--name', `${volume}-peek`, '--network', 'none', '-v', `${volume}:/srv`, '--entrypoint', 'sh'];
      const r = podman('run', ...args, imageRef('full', PREVIOUS), '-c', SUMS);
      assert.equal(r.status, 0, r.out);
      return sums(r.out);
    };
    seen.etcA = peek(volA);
    seen.etcB = peek(volB);
    assert.ok(seen.etcA.size > 10);
  });

  it(`${RELEASE}: starts on the same volumes without FORCE_CONFIG; only dovecot's files and main.cf's release rows are migrated`, async () => {
    a.remove();
    b.remove();
    // No /acme now: the certificate postfix serves can only come from /srv.
    a = start(names.a, nsA, volA, RELEASE, ENV_A);
    b = start(names.b, nsB, volB, RELEASE, ENV_B);
    await Promise.all([up(a, nsA, `${RELEASE} A`), up(b, nsB, `${RELEASE} B`)]);
    await Promise.all([healthy(a, undefined, `${RELEASE} A healthy`), healthy(b, undefined, `${RELEASE} B healthy`)]);
    const status = a.exec('mta', 'status').out;
    assert.match(status, /^daemons: postfix 3\.(?:[89]|\d\d)\.\d+, dovecot 2\.4\./m, status);
    for (const [c, etc, dovecot] of [
      [a, seen.etcA, true],
      [b, seen.etcB, true],
    ] as const) {
      assert.equal(events(c, 'seed.applied').length, 0, 'not seeded again');
      assert.equal(c.exec('test', '-e', '/srv/etc/.docker.unlock').status, 1);
      assert.equal(events(c, 'seed.postfix_migrated').length, 1, c.logs().slice(-4000));
      assert.equal(events(c, 'seed.dovecot_migrated').length, dovecot ? 1 : 0);
      // The system accounts have other numbers on this release: their files were re-owned before any daemon started.
      assert.equal(events(c, 'seed.owners_migrated').length, 1, c.logs().slice(-4000));
      const now = etcFiles(c);
      const changed = [...new Set([...(etc?.keys() ?? []), ...now.keys()])].filter((p) => etc?.get(p) !== now.get(p)).sort();
      const unexpected = changed.filter(
        (p) =>
          !p.startsWith('/srv/etc/dovecot/') &&
          !['/srv/etc/postfix/main.cf', '/srv/etc/mta/effective.json', '/srv/etc/mta/ids.json'].includes(p),
      );
      assert.deepEqual(unexpected, [], `changed: ${changed.join(' ')}`);
      assert.ok(changed.includes('/srv/etc/postfix/main.cf') && changed.includes('/srv/etc/mta/effective.json'), changed.join(' '));
      // main.cf: the release rows of the installed postfix (release-defaults.ts), the seeded compatibility_level.
      assert.equal(c.exec('postconf', '-nh', 'tls_required_enable').out.trim(), 'no');
      assert.equal(c.exec('postconf', '-nh', 'smtpd_client_ipv6_prefix_length').out.trim(), '128');
      assert.equal(c.exec('postconf', '-nh', 'compatibility_level').out.trim(), '3.7');
      assert.doesNotMatch(c.exec('postconf', '-n').out, /warning/);
      const effective = JSON.parse(c.exec('cat', '/srv/etc/mta/effective.json').out);
      assert.match(effective.facts.daemons.dovecot, /^2\.4\./);
      // The dovecot configuration is 2.4's, and dovecot runs it.
      assert.match(c.exec('grep', '-m1', '-v', '^#', '/etc/dovecot/dovecot.conf').out, /^dovecot_config_version = 2\.4/);
      assert.equal(c.exec('doveconf', '-n').status, 0);
    }
    assert.equal(JSON.parse(a.exec('cat', '/srv/etc/mta/effective.json').out).seededAt, seen.effectiveA?.seededAt);
  });

  it('nothing is lost: mail readable over IMAP and in the mailbox, the queue flushable, DKIM key, Bayes data, ban and certificate kept', async () => {
    // Before any new mail: amavis learns from what passes through it (autolearn).
    assert.equal(dkimDigest(a), seen.dkim, 'the same DKIM keys');
    assert.deepEqual(bayes(a), seen.bayes, 'the same Bayes data');
    // Dovecot 2.4 reads 2.3's maildir and indexes: the message and the \Seen flag set under 2.3.
    const session = imap(a, 'info@example.test', ['SELECT INBOX', 'FETCH 1 (FLAGS BODY[TEXT])']);
    assert.match(session, /^\* 1 EXISTS/m, session);
    assert.match(session, /FLAGS \([^)]*\\Seen/, session);
    assert.match(session, new RegExp(seen.tokenA ?? '-'), session);
    assert.ok(delivered(b, seen.tokenB ?? '-'), "B's message in postfix's mailbox");
    // New mail still lands in both stores.
    const t2 = `up-after-${TAG}-${Date.now()}`;
    assert.equal(mailIn(nsA, 'sender@remote.test', 'info@example.test', t2).status, 0);
    assert.equal(mailIn(nsB, 'sender@remote.test', 'info@example.test', t2).status, 0);
    await eventually(() => delivered(a, t2) && delivered(b, t2), 120_000, 'delivery after the upgrade');
    assert.match(imap(a, 'info@example.test', ['SELECT INBOX']), /^\* 2 EXISTS/m);

    // The deferred message is still queued, and leaves once the relay answers.
    assert.deepEqual(deferred(a).deferred, seen.queued);
    const sink: ChildProcess = spawn(
      'ip',
      ['netns', 'exec', nsA, process.execPath, ...tsxArgs(join(import.meta.dirname, 'sink.ts'), String(SINK_PORT), sinkDir)],
      { cwd: REPO, stdio: 'ignore' },
    );
    cleanups.push(() => sink.kill('SIGTERM'));
    await eventually(() => greeting(nsA, SINK_PORT).startsWith('220'), 30_000, 'sink up');
    a.exec('postqueue', '-f');
    await eventually(
      () => readdirSync(sinkDir).some((f) => readFileSync(join(sinkDir, f), 'utf8').includes(seen.fwdToken ?? '-')),
      120_000,
      'the queued message at the relay',
    );
    await eventually(() => queueIds(a).length === 0, 30_000, 'queue empty');

    assert.match(a.exec('mta', 'guard', 'ls').out, new RegExp(`^${BANNED.replaceAll('.', '\\.')} .*upgrade test`, 'm'));
    const banned = clientIn(nsA, BANNED)(['--from', 'someone@sender.test', '--to', 'info@example.test', '--quit-after', 'RCPT']).out;
    assert.match(banned, /<\*\* +421 4\.7\.0 .*Temporarily blocked/, banned);
    assert.match(servedCert(nsA), new RegExp(`serial=${acmeCert.serial}`), 'the ACME certificate from /srv, without /acme');
  });
});
