import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acmeV2, type Issued, issue, makeCa } from '@mta/acme-watch/testing';
import { RELAY_PROBE } from '../defences/stack.ts';
import { eventually, tempRoot, tsxArgs } from '../harness/index.ts';
import {
  buildImages,
  type Container,
  clientIn,
  container,
  delivered,
  greeting,
  healthy,
  imageRef,
  inNs,
  mailIn,
  netns,
  podman,
  podmanRunArgs,
  procStats,
  queueIds,
  REPO,
  type RunOptions,
  removeVolume,
  SIDECAR_PROCS,
  servedCert,
  skipReason,
  startContainer,
  state,
  swaksIn,
  VARIANTS,
  type Variant,
  whileRunning,
} from './podman.ts';

// The image, end to end: build every variant with scripts/build-image, run it with podman (runc) in a network
// namespace of its own, talk SMTP to it from inside that namespace. Runs only with MTA_TEST_IMAGE=1 (and root);
// otherwise every test is skipped with the reason.

const skip = skipReason();
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const SINK_PORT = 2525;
const ACME_CA_CN = 'mta image test CA';

before(
  async () => {
    if (skip) return;
    await buildImages(VARIANTS);
  },
  { timeout: 45 * 60_000 },
);

function envFor(variant: Variant): Record<string, string> {
  const env: Record<string, string> = {
    MAIL_BOXES: 'info@example.test abuse@example.test',
    MAIL_ALIASES: 'postmaster:info@example.test',
    MESSAGE_SIZE_LIMIT: '25600000',
    // Explicit: addresses a test adds to the namespace's lo (clients "from outside") must not count as local networks.
    MYNETWORKS: '127.0.0.0/8',
    // The internet-facing setup: a ban then drops the client at postscreen.
    POSTSCREEN: 'yes',
  };
  // Direct delivery (mini, base): TLS reports on, so the mta-sts sidecar runs its datagram receiver too.
  if (variant !== 'full') env.TLSRPT_REPORTS = 'yes';
  if (variant !== 'mini') {
    // SASL active (password file) and TLS: submission/smtps run and the healthcheck includes dovecot's auth socket.
    // app2 may send only as noreply@example.test (envelope and headers): the sender milter runs.
    env.SMTPD_SASL_CLIENTAUTH = 'client1:{plain}passwd1 app2:{plain}passwd2';
    env.SMTPD_SASL_SENDERS = 'app2:noreply@example.test';
    env.SMTPD_USE_TLS = 'yes';
  }
  if (variant === 'full') {
    // Outgoing mail goes to the test's sink inside the namespace (DKIM signing is checked there).
    env.SMTP_RELAY_HOSTAUTH = `[127.0.0.1]:${SINK_PORT}`;
    env.DKIM_SELECTOR = 'default';
    env.SA_TAG_LEVEL_DEFLT = '-999';
    env.METRICS = 'yes';
  }
  return env;
}

// Resident memory of each long-running Node sidecar in the container, in MB.
function sidecarRss(c: Container): Record<string, number> {
  return Object.fromEntries(Object.entries(procStats(c, SIDECAR_PROCS)).map(([name, p]) => [name, Math.round(p.rssKB / 1024)]));
}

function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line));
    } catch {}
  }
  return out;
}

for (const variant of VARIANTS) {
  describe(`image ${variant}`, { skip, concurrency: false }, () => {
    const image = imageRef(variant);
    const tag = `${process.pid}-${variant}`;
    const volume = `mta-test-${tag}`;
    const name = `mta-test-${tag}`;
    let ns: ReturnType<typeof netns>;
    let c: Container;
    let sink: ChildProcess | undefined;
    let sinkDir = '';
    let clamDir = '';
    let spamdDir = '';
    // The certificate the full variant's acme.json holds (full only).
    let acmeCert: Issued | undefined;
    const cleanups: (() => unknown)[] = [];
    let opts: RunOptions;

    before(async () => {
      ns = netns(`mta-t-${tag}`);
      cleanups.push(() => ns.remove());
      const tmp = await tempRoot('mta-image-');
      cleanups.push(() => tmp.cleanup());
      const volumes = [`${volume}:/srv`];
      if (variant === 'full') {
        // A one-signature ClamAV database (EICAR by MD5): clamd starts in a second, no freshclam download needed.
        clamDir = join(tmp.dir, 'clamav');
        mkdirSync(clamDir);
        const md5 = createHash('md5').update(EICAR).digest('hex');
        writeFileSync(join(clamDir, 'test.hdb'), `${md5}:${Buffer.byteLength(EICAR)}:Eicar-Test-Signature\n`);
        chmodSync(clamDir, 0o777);
        volumes.push(`${clamDir}:/srv/var/lib/clamav`);
        // A Traefik acme.json on /acme: acme-watch runs, and its --once entry step installs the certificate before
        // postfix starts (base runs without /acme: the skip is checked there).
        const acmeDir = join(tmp.dir, 'acme');
        mkdirSync(acmeDir);
        acmeCert = issue(makeCa(ACME_CA_CN), { cn: 'mx.example.test', sans: ['mx.example.test', 'example.test'] });
        writeFileSync(
          join(acmeDir, 'acme.json'),
          acmeV2({ le: [{ main: 'mx.example.test', sans: ['mx.example.test', 'example.test'], cert: acmeCert }] }),
        );
        // Read by the container's unprivileged users, whatever the umask of the test run.
        chmodSync(acmeDir, 0o755);
        chmodSync(join(acmeDir, 'acme.json'), 0o644);
        volumes.push(`${acmeDir}:/acme:ro`);
        // kopano-spamd's drop folder present: spamd-learn runs.
        spamdDir = join(tmp.dir, 'spamd');
        mkdirSync(join(spamdDir, 'spam'), { recursive: true });
        mkdirSync(join(spamdDir, 'ham'));
        volumes.push(`${spamdDir}:/var/lib/kopano/spamd`);
        sinkDir = join(tmp.dir, 'sink');
        mkdirSync(sinkDir);
        sink = spawn(
          'ip',
          ['netns', 'exec', ns.name, process.execPath, ...tsxArgs(join(import.meta.dirname, 'sink.ts'), String(SINK_PORT), sinkDir)],
          {
            cwd: REPO,
            stdio: 'ignore',
          },
        );
        cleanups.push(() => sink?.kill('SIGTERM'));
      }
      opts = { name, image, ns: ns.name, env: envFor(variant), volumes };
    });

    after(() => {
      if (c) {
        const logs = c.logs();
        if (process.env.MTA_TEST_IMAGE_LOGS === '1') console.log(logs);
        c.remove();
      }
      podman('rm', '-f', '-t', '0', `${name}-2`);
      removeVolume(volume);
      for (const fn of cleanups.reverse()) fn();
    });

    it('starts, seeds and answers 220 on port 25 (start-up times: npm run bench startup)', async () => {
      c = startContainer(opts);
      const banner = await whileRunning(c, () => greeting(ns.name, 25).match(/^220 .*/)?.[0], 60_000, '220 banner');
      assert.match(banner, /^220 mx\.example\.test /);
      assert.equal(c.exec('test', '-e', '/srv/etc/.docker.unlock').status, 1, 'the unlock file is removed after seeding');
    });

    it('reports healthy through the image HEALTHCHECK', async () => {
      await healthy(c, variant === 'full' ? 180_000 : 60_000, 'healthy');
      // The check is real: it names what it probes when run by hand.
      const out = c.exec('/usr/local/bin/healthcheck').out;
      assert.match(out, /^healthy: postfix smtpd on 25/m);
      if (variant !== 'mini') assert.match(out, /dovecot auth on \/var\/spool\/postfix\/private\/auth/, 'SASL is active');
      if (variant === 'full') assert.match(out, /amavis on 10024, clamd on \/run\/clamav\/clamd\.ctl/);
      if (variant !== 'mini') assert.match(out, /milter on \/run\/mta\/sender-milter\/milter\.sock/);
    });

    it('accepts and delivers a message to a MAIL_BOXES address', async () => {
      const token = `tok-${tag}-${Date.now()}`;
      const r = mailIn(ns.name, 'sender@remote.test', 'info@example.test', token);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /250 2\.0\.0 Ok: queued/);
      await eventually(() => delivered(c, token), 60_000, `delivery of ${token}`);
      // Unknown recipients are refused at RCPT.
      const bad = swaksIn(ns.name, ['--from', 'sender@remote.test', '--to', 'nobody@example.test', '--quit-after', 'RCPT']);
      assert.notEqual(bad.status, 0);
      assert.match(bad.out, /<\*\* 550 .*User unknown/);
    });

    it('supervises one runit service per daemon, only for configured features', async () => {
      const expected: Record<Variant, string[]> = {
        // unbound (DANE's resolver) and mta-sts (outbound MTA-STS): direct delivery only; full sends through
        // SMTP_RELAY_HOSTAUTH, whose relay is trusted with the destination's TLS.
        mini: ['guard', 'mta-sts', 'postfix', 'unbound'],
        base: ['dovecot', 'guard', 'mta-sts', 'postfix', 'sender-milter', 'unbound'],
        full: [
          'acme-watch',
          'amavis',
          'arc-milter',
          'clamd',
          'dkim-keys',
          'dovecot',
          'freshclam',
          'guard',
          'metrics',
          'opendkim',
          'opendmarc',
          'postfix',
          'sa-update',
          'sender-milter',
          'spamd-learn',
        ],
      };
      assert.deepEqual(c.exec('ls', '/etc/service').out.split('\n').filter(Boolean).sort(), expected[variant]);
      if (variant === 'base') assert.match(c.logs(), /not started: acme-watch \(\/acme does not exist\)/);
      if (variant === 'full') assert.doesNotMatch(c.logs(), /not started: acme-watch/);
      // Every service stays up (no crash loop): runit's uptime keeps growing.
      await new Promise((r) => setTimeout(r, 2500));
      const status = c.exec('sh', '-c', 'sv status /etc/service/*').out;
      for (const line of status.trim().split('\n')) assert.match(line, /^run: .*\) ([3-9]|\d\d+)s/, status);
      // The local bus is up (supervised by its own runsv, started before the entry steps).
      assert.match(c.exec('sv', 'status', '/etc/mta/sv/nats-server').out, /^run:/);
    });

    it('runs the mta CLI: --help, config check and status; a command for a missing component exits 2', () => {
      const help = c.exec('mta', '--help');
      assert.equal(help.status, 0, help.out);
      assert.match(help.out, /Usage: mta/);
      const check = c.exec('mta', 'config', 'check');
      assert.equal(check.status, 0, check.out);
      const status = c.exec('mta', 'status');
      assert.equal(status.status, 0, status.out);
      assert.match(status.out, new RegExp(`^variant: ${variant}$`, 'm'));
      assert.match(status.out, /^run: \/etc\/service\/postfix:/m);
      if (variant !== 'full') {
        for (const args of [
          ['dkim', 'show', '--offline'],
          ['learn', 'spam', '/dev/null'],
          ['quarantine', 'ls'],
        ]) {
          const r = c.exec('mta', ...args);
          assert.equal(r.status, 2, `mta ${args.join(' ')}: ${r.out}`);
          assert.match(r.out, new RegExp(`^mta ${args[0]}.*: needs .*, which this image \\(${variant}\\) does not include`, 'm'));
        }
      }
    });

    it('logs the sidecars as JSON lines (docker logs)', () => {
      const lines = jsonLines(c.logs());
      assert.ok(lines.length > 0, `no JSON log lines:\n${c.logs().slice(-3000)}`);
      assert.ok(
        lines.some((l) => JSON.stringify(l).includes('seed')),
        'the seed logged its result',
      );
      if (variant === 'full') {
        const rss = sidecarRss(c);
        assert.deepEqual(
          Object.keys(rss).sort(),
          ['acme-watch', 'arc-milter', 'dkim-keys', 'guard', 'metrics', 'sender-milter', 'spamd-learn'],
          'the bundled sidecars run',
        );
        // The ARC milter reads every inbound message: its own user, no root.
        const arc = procStats(c, SIDECAR_PROCS)['arc-milter']?.pid;
        assert.equal(c.exec('stat', '-c', '%U', `/proc/${arc}`).out.trim(), 'mta-arc');
        // A guard against losing the bundle's lazy loading (the unbundled tree idles at ~70 MB); figures: npm run bench startup.
        for (const [sc, mb] of Object.entries(rss)) assert.ok(mb <= 64, `${sc} uses ${mb} MB`);
      }
    });

    it('mta-sts runs as its own user: its sockets (policy map, TLS-RPT datagrams) are reachable by postfix only; postfix answers through it', async (t) => {
      if (variant === 'full') return t.skip('full relays: no mta-sts');
      const procs = procStats(c, SIDECAR_PROCS);
      const pid = procs['mta-sts']?.pid;
      assert.ok(pid, 'mta-sts runs');
      assert.equal(c.exec('stat', '-c', '%U', `/proc/${pid}`).out.trim(), 'mta-sts');
      // Every id (real, effective, saved, fs) and no supplementary group but its own.
      const status = c.exec('cat', `/proc/${pid}/status`).out;
      const uid = c.exec('id', '-u', 'mta-sts').out.trim();
      assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'));
      assert.match(status, new RegExp(`^Groups:\\s+${c.exec('id', '-g', 'mta-sts').out.trim()}\\s*$`, 'm'));
      await eventually(() => c.exec('test', '-S', '/run/mta/mta-sts/tlsrpt.sock').status === 0, 30_000, 'the TLS-RPT socket');
      assert.equal(c.exec('stat', '-c', '%U:%G %a', '/run/mta/mta-sts').out.trim(), 'mta-sts:postfix 750');
      assert.equal(
        c.exec('stat', '-c', '%U', '/run/mta/mta-sts/policy.sock', '/run/mta/mta-sts/tlsrpt.sock').out.trim(),
        'mta-sts\nmta-sts',
      );
      assert.equal(c.exec('stat', '-c', '%U %a', '/srv/var/mta-sts').out.trim(), 'mta-sts 700');
      assert.equal(c.exec('stat', '-c', '%U %a', '/srv/var/tlsrpt').out.trim(), 'mta-sts 700');
      // The Perl receiver is its child, as the same user.
      const perl = c.exec(
        'sh',
        '-c',
        `for p in $(cat /proc/${pid}/task/*/children); do stat -c %U /proc/$p; cat /proc/$p/cmdline | tr '\\0' ' '; echo; done`,
      ).out;
      assert.match(perl, /^mta-sts\nperl -e /m, perl);
      // The map answers (postmap as postfix would ask it); another user cannot even reach the socket.
      const q = c.exec('postmap', '-q', 'example.invalid', 'socketmap:unix:/run/mta/mta-sts/policy.sock:mta-sts');
      assert.notEqual(q.out, undefined);
      assert.doesNotMatch(q.out, /fatal|error/i, q.out);
      const nobody = c.exec('setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', 'test', '-r', '/run/mta/mta-sts/policy.sock');
      assert.notEqual(nobody.status, 0);
      console.log(`# mta-sts idle RSS (${variant}): ${Math.round((procs['mta-sts']?.rssKB ?? 0) / 1024)} MB`);
    });

    it('daemon lines reach docker logs and the guard (svlogd); a ban from mta guard defers the client on 25 (421), without a reload', async () => {
      // Every postfix line is in docker logs and in the rotated directory the guard follows.
      await eventually(
        () => /postfix\/smtpd\[\d+\]: connect from localhost\[127\.0\.0\.1\]/.test(c.logs()),
        10_000,
        'postfix line in docker logs',
      );
      const kept = c.exec('cat', '/run/mta/log/postfix/current').out;
      assert.match(kept, /postfix\/smtpd\[\d+\]: connect from localhost\[127\.0\.0\.1\]/);
      assert.match(c.exec('stat', '-c', '%a %U', '/run/mta/log/postfix').out, /^750 root$/m);
      // A client address of the namespace (the container shares it) the operator bans by hand.
      const client99 = clientIn(ns.name, '192.0.2.99');
      const from99 = () => client99(['--from', 'someone@sender.test', '--to', 'info@example.test', '--quit-after', 'RCPT']);
      assert.equal(from99().status, 0, 'not banned yet');
      const ban = c.exec('mta', 'guard', 'ban', '192.0.2.99', '--for', '10m', '--reason', 'image test');
      assert.equal(ban.status, 0, ban.out);
      await eventually(
        () => jsonLines(c.logs()).some((l) => l.event === 'guard.banned' && l.ip === '192.0.2.99'),
        15_000,
        'the guard announced the ban',
      );
      // the table is changed in place: the next recipient from that address is deferred, postfix is not reloaded
      await eventually(() => /<\*\* +421 4\.7\.0 .*Temporarily blocked/.test(from99().out), 15_000, '421 on 25');
      assert.doesNotMatch(c.logs(), /postfix\/master\[\d+\]: reload -- version/);
      assert.match(c.exec('mta', 'guard', 'ls').out, /^192\.0\.2\.99 .*operator@\S+ +image test$/m);
      assert.equal(c.exec('mta', 'guard', 'unban', '192.0.2.99').status, 0);
      await eventually(() => from99().status === 0, 15_000, 'accepted again after unban');
    });

    if (variant !== 'mini') {
      it("submission: the login's own From passes (DKIM-signed in full), another sender header gets 550 5.7.1; the milter runs as mta-milter, and while it is down submissions are deferred", async () => {
        const submit = (from: string, token: string) =>
          inNs(
            ns.name,
            'swaks',
            [
              ...['--hide-informational', '--timeout', '20', '--server', '127.0.0.1', '--port', '587', '--tls'],
              ...['--auth', 'PLAIN', '--auth-user', 'app2', '--auth-password', 'passwd2'],
              ...['--from', 'noreply@example.test', '--to', 'someone@remote.test'],
              ...['--header', `From: ${from}`, '--header', `Subject: ${token}`, '--body', token],
            ],
            { timeoutMs: 60_000 },
          );
        const own = `sub-own-${tag}-${Date.now()}`;
        const ok = submit('App <noreply@example.test>', own);
        assert.match(ok.out, /<~\s+250 2\.0\.0 Ok: queued/, ok.out);
        const spoof = submit('Boss <info@example.test>', `sub-spoof-${tag}`);
        assert.match(spoof.out, /<~\*\s+550 5\.7\.1 From: names a sender this login may not use/, spoof.out);
        assert.match(c.logs(), /"event":"submission\.refused".*"login":"app2"/);
        // Its own uid, never root.
        const pid = procStats(c, SIDECAR_PROCS)['sender-milter']?.pid;
        assert.ok(pid, 'sender-milter runs');
        assert.equal(c.exec('stat', '-c', '%U', `/proc/${pid}`).out.trim(), 'mta-milter');
        if (variant === 'full') {
          const msg = await eventually(
            () =>
              readdirSync(sinkDir)
                .map((f) => readFileSync(join(sinkDir, f), 'utf8'))
                .find((t) => t.includes(own)),
            120_000,
            'the submitted message at the sink',
          );
          assert.match(msg.match(/^DKIM-Signature:.*(?:\r?\n[ \t].*)*/m)?.[0] ?? '', /\bd=example\.test;/);
          assert.equal(
            readdirSync(sinkDir)
              .map((f) => readFileSync(join(sinkDir, f), 'utf8'))
              .filter((t) => t.includes(`sub-spoof-${tag}`)).length,
            0,
          );
        }
        // Down: deferred, and the healthcheck says which part is missing.
        assert.equal(c.exec('sv', 'down', '/etc/service/sender-milter').status, 0);
        try {
          await eventually(() => /^down:/.test(c.exec('sv', 'status', '/etc/service/sender-milter').out), 15_000, 'milter down');
          const deferred = submit('App <noreply@example.test>', `sub-down-${tag}`);
          assert.match(deferred.out, /<[~*]*\s+4\d\d /, deferred.out);
          assert.doesNotMatch(deferred.out, /250 2\.0\.0 Ok: queued/);
          assert.match(c.exec('/usr/local/bin/healthcheck').out, /unhealthy: milter on \/run\/mta\/sender-milter\/milter\.sock/);
        } finally {
          c.exec('sv', 'up', '/etc/service/sender-milter');
        }
        await eventually(
          () => /<~\s+250 2\.0\.0 Ok: queued/.test(submit('noreply@example.test', `sub-up-${tag}`).out),
          30_000,
          'accepted again',
        );
      });
    }

    if (variant === 'mini') {
      it('SRS=yes: postsrsd runs unprivileged with the secret from /srv; forwarded mail leaves with an SRS sender, its bounce comes back', async () => {
        const srsNs = netns(`mta-srs-${tag}`);
        cleanups.push(() => srsNs.remove());
        const srsName = `${name}-srs`;
        cleanups.push(() => podman('rm', '-f', '-v', '-t', '0', srsName));
        cleanups.push(() => removeVolume(`${volume}-srs`));
        const tmp = await tempRoot('mta-image-srs-');
        cleanups.push(() => tmp.cleanup());
        const dir = join(tmp.dir, 'sink');
        mkdirSync(dir);
        const srsSink = spawn(
          'ip',
          ['netns', 'exec', srsNs.name, process.execPath, ...tsxArgs(join(import.meta.dirname, 'sink.ts'), String(SINK_PORT), dir)],
          { cwd: REPO, stdio: 'ignore' },
        );
        cleanups.push(() => srsSink.kill('SIGTERM'));
        const s = startContainer({
          ...opts,
          name: srsName,
          ns: srsNs.name,
          env: {
            ...opts.env,
            MAIL_ALIASES: 'fwd:someone@elsewhere.test',
            SRS: 'yes',
            SMTP_RELAY_HOSTAUTH: `[127.0.0.1]:${SINK_PORT}`,
          },
          volumes: [`${volume}-srs:/srv`],
        });
        await eventually(() => greeting(srsNs.name, 25).startsWith('220 '), 60_000, '220 with SRS');
        assert.match(s.exec('ls', '/etc/service').out, /^postsrsd$/m);
        // Every postsrsd process (the listener and its per-connection children) runs as postsrsd.
        const users = () =>
          s.exec('sh', '-c', 'for d in /proc/[0-9]*; do [ "$(cat $d/comm 2>/dev/null)" = postsrsd ] && stat -c %U $d; done').out.trim();
        await eventually(() => users(), 30_000, 'postsrsd running');
        assert.match(users(), /^(postsrsd\n?)+$/);
        assert.equal(s.exec('stat', '-c', '%a %U', '/srv/var/srs/secret').out.trim(), '600 root');
        assert.equal(s.exec('test', '-e', '/etc/postsrsd.secret').status, 1, 'no secret baked into the image');
        await eventually(() => /tcp table on 127\.0\.0\.1:10002/.test(s.exec('/usr/local/bin/healthcheck').out), 30_000, 'health');
        // Forwarded: the queue manager's from= of the second pass is the SRS sender, then the relay takes it.
        const token = `srs-${tag}-${Date.now()}`;
        const r = mailIn(srsNs.name, 'carol@ext.test', 'fwd@example.test', token);
        assert.equal(r.status, 0, r.out);
        const srs = await eventually(
          () => s.logs().match(/from=<(SRS0=[^=]+=[A-Z2-7]{2}=ext\.test=carol@example\.test)>/i)?.[1],
          60_000,
          'SRS sender in the log',
        );
        await eventually(
          () => /to=<someone@elsewhere\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:2525.*status=sent/.test(s.logs()),
          60_000,
          'sent',
        );
        // The bounce: back to carol through the relay.
        const b = swaksIn(srsNs.name, ['--from', '<>', '--to', srs, '--body', `bounce-${token}`]);
        assert.equal(b.status, 0, b.out);
        await eventually(() => /to=<carol@ext\.test>, orig_to=<SRS0=.*status=sent/.test(s.logs()), 60_000, 'bounce reversed');
        const secret = s.exec('cat', '/srv/var/srs/secret').out.trim();
        assert.ok(secret.length >= 40 && !s.logs().includes(secret), 'the secret is never logged');
      });
    }

    if (variant !== 'full') {
      it('TRUSTED_PROXIES: the PROXY gate takes 25/465/587, a real HAProxy passes the client address, others are refused', async () => {
        const pxNs = netns(`mta-tp-${tag}`);
        cleanups.push(() => pxNs.remove());
        for (const a of ['172.30.0.10', '192.0.2.66']) inNs(pxNs.name, 'ip', ['addr', 'add', `${a}/32`, 'dev', 'lo']);
        const pxName = `${name}-px`;
        cleanups.push(() => podman('rm', '-f', '-v', '-t', '0', pxName));
        cleanups.push(() => removeVolume(`${volume}-px`));
        const px = startContainer({
          ...opts,
          name: pxName,
          ns: pxNs.name,
          // base: dovecot holds the mailboxes, so IMAP/POP3 sit behind the gate too.
          env: {
            ...opts.env,
            TRUSTED_PROXIES: '172.30.0.10',
            ...(variant === 'base' ? { VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport' } : {}),
          },
          volumes: [`${volume}-px:/srv`],
        });
        await eventually(() => greeting(pxNs.name, 25).startsWith('220 '), 60_000, '220 from loopback through the gate');
        assert.match(px.exec('ls', '/etc/service').out, /^haproxy$/m);
        const cfgDir = await tempRoot('mta-image-proxy-');
        cleanups.push(() => cfgDir.cleanup());
        const cfg = join(cfgDir.dir, 'proxy.cfg');
        writeFileSync(
          cfg,
          'defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\nlisten smtp\n  bind 172.30.0.10:2500\n  server gate 127.0.0.1:25 send-proxy-v2 source 172.30.0.10\n' +
            'listen imap\n  bind 172.30.0.10:1430\n  server gate 127.0.0.1:143 send-proxy-v2 source 172.30.0.10\n',
        );
        const proxy = spawn('ip', ['netns', 'exec', pxNs.name, 'haproxy', '-db', '-f', cfg], { stdio: 'ignore' });
        cleanups.push(() => proxy.kill('SIGTERM'));
        const swaksFrom = (port: number, server: string) =>
          inNs(pxNs.name, 'swaks', [
            '--hide-informational',
            '--timeout',
            '15',
            '--local-interface',
            '192.0.2.66',
            '--server',
            server,
            '--port',
            String(port),
            ...RELAY_PROBE,
          ]);
        const via = await eventually(
          () => {
            const r = swaksFrom(2500, '172.30.0.10');
            return /Relay access denied/.test(r.out) ? r.out : undefined;
          },
          30_000,
          'SMTP through the proxy',
        );
        assert.match(via, /<\*\* 554 5\.7\.1 <x@elsewhere\.test>: Relay access denied/);
        await eventually(
          () => /postscreen\[\d+\]: CONNECT from \[192\.0\.2\.66\]:\d+ to \[172\.30\.0\.10\]:2500/.test(px.logs()),
          10_000,
          'client address in docker logs',
        );
        assert.match(px.logs(), /NOQUEUE: reject: RCPT from unknown\[192\.0\.2\.66\]/);
        // Directly, from outside the trusted list: refused by the gate, and the refusal is logged.
        assert.doesNotMatch(swaksFrom(25, '127.0.0.1').out, /220 /);
        await eventually(
          () => /haproxy: smtp connection from 192\.0\.2\.66:\d+ refused:not-a-trusted-proxy/.test(px.logs()),
          10_000,
          'gate refusal logged',
        );
        // The trusted proxy's own headers naming loopback (v1, v2), or no client at all (v2 LOCAL): refused before
        // postfix, which would have seen localhost[127.0.0.1] and relayed.
        const fromProxy = (extra: string[]) =>
          inNs(pxNs.name, 'swaks', [
            ...['--hide-informational', '--timeout', '15', '--local-interface', '172.30.0.10', '--server', '127.0.0.1'],
            ...['--port', '25', '--proxy-source-port', '40000', '--proxy-dest', '127.0.0.1', '--proxy-dest-port', '25', ...extra],
            ...RELAY_PROBE,
          ]);
        for (const v of ['1', '2']) {
          const out = fromProxy([
            '--proxy-version',
            v,
            '--proxy-family',
            v === '1' ? 'TCP4' : 'AF_INET',
            '--proxy-source',
            '127.0.0.1',
          ]).out;
          assert.doesNotMatch(out, /<- {2}220|250 2\.1\.5/, out);
        }
        const local = inNs(pxNs.name, 'bash', [
          '-c',
          "{ printf '\\x0d\\x0a\\x0d\\x0a\\x00\\x0d\\x0a\\x51\\x55\\x49\\x54\\x0a\\x20\\x00\\x00\\x00'; sleep 2; } | nc -s 172.30.0.10 -w 3 127.0.0.1 25",
        ]);
        assert.equal(local.out, '');
        await eventually(
          () =>
            (px.logs().match(/haproxy: smtp connection from 127\.0\.0\.1:40000 refused:proxy-header-names-loopback/g) ?? []).length === 2,
          10_000,
          'loopback headers refused and logged',
        );
        assert.doesNotMatch(
          px.logs(),
          /postscreen\[\d+\]: CONNECT from \[(127\.0\.0\.1\]:40000|172\.30\.0\.10\])/,
          'postfix never saw them',
        );
        // A real loopback client (inside the container's network) still gets the greeting, but no relay: behind the
        // gate postfix takes loopback for the gate itself (MYNETWORKS here is 127.0.0.0/8).
        const lo = swaksIn(pxNs.name, RELAY_PROBE).out;
        assert.match(lo, /<\*\* 554 5\.7\.1 <x@elsewhere\.test>: Relay access denied/, lo);
        if (variant === 'base') {
          // IMAP through the proxy: dovecot (on loopback behind the gate) sees the client; a loopback header is refused.
          const viaProxy = inNs(pxNs.name, 'bash', [
            '-c',
            "{ printf 'a LOGIN nobody secret\\r\\nb LOGOUT\\r\\n'; sleep 2; } | nc -s 192.0.2.66 -w 3 172.30.0.10 1430",
          ]).out;
          assert.match(viaProxy, /^\* OK/m, viaProxy);
          await eventually(() => /imap-login: .*rip=192\.0\.2\.66, lip=172\.30\.0\.10/.test(px.logs()), 10_000, 'dovecot sees the client');
          assert.equal(
            inNs(pxNs.name, 'bash', [
              '-c',
              "{ printf 'PROXY TCP4 127.0.0.1 127.0.0.1 40001 143\\r\\n'; sleep 2; } | nc -s 172.30.0.10 -w 3 127.0.0.1 143",
            ]).out,
            '',
          );
          await eventually(
            () => /haproxy: imap connection from 127\.0\.0\.1:40001 refused:proxy-header-names-loopback/.test(px.logs()),
            10_000,
            'imap refusal',
          );
          assert.match(px.exec('doveconf', '-h', 'listen').out, /^127\.0\.0\.1$/m);
        }
      });
    }

    if (variant === 'full') {
      it('serves the certificate from acme.json on port 25 (installed before postfix starts)', async () => {
        const serial = acmeCert?.serial ?? '';
        assert.ok(serial, 'acme.json was written in before()');
        // The leaf postfix presents after STARTTLS, decoded by the host's openssl; retried in case postfix is still
        // reloading.
        const served = await eventually(
          () => {
            const out = servedCert(ns.name, 'mx.example.test');
            if (!out.includes(`serial=${serial}`)) throw new Error(`served instead:\n${out}`);
            return out;
          },
          30_000,
          'the acme.json certificate on port 25',
        );
        assert.match(served, /^subject=CN ?= ?mx\.example\.test$/m);
        assert.match(served, new RegExp(`^issuer=CN ?= ?${ACME_CA_CN}$`, 'm'));
        const acme = jsonLines(c.logs()).filter((l) => l.sidecar === 'acme-watch');
        assert.ok(
          acme.some((l) => l.event === 'acme.cert.installed' && l.serial === serial),
          `acme-watch logged no acme.cert.installed for ${serial}:\n${acme.map((l) => JSON.stringify(l)).join('\n')}`,
        );
        assert.deepEqual(
          acme.filter((l) => l.event === 'acme.cert.rejected'),
          [],
          'acme-watch rejected nothing',
        );
        // Installed by the entry step, before the daemons; the service then found it unchanged (no second parse).
        const dump = acme.map((l) => JSON.stringify(l)).join('\n');
        assert.ok(
          acme.some((l) => l.event === 'acme.once' && l.outcome === 'installed'),
          dump,
        );
        assert.ok(
          acme.some((l) => l.event === 'acme.unchanged'),
          dump,
        );
      });

      it('METRICS=yes: /metrics passes promtool and shows the traffic, /healthz and /readyz answer', async () => {
        const get = (path: string, accept = '') =>
          inNs(
            ns.name,
            'curl',
            ['-s', '-w', '\n%{http_code}', ...(accept ? ['-H', `accept: ${accept}`] : []), `http://127.0.0.1:9154${path}`],
            {
              timeoutMs: 20_000,
            },
          ).out;
        assert.match(get('/healthz'), /^ok\n\n200$/);
        await eventually(() => get('/readyz').endsWith('\n200'), 120_000, '/readyz 200 once the HEALTHCHECK passes');
        const body = get('/metrics').replace(/\n\d{3}$/, '');
        const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
        assert.equal(check.status, 0, check.stdout + check.stderr);
        assert.match(body, /^mta_postfix_deliveries_total\{status="sent"\} [1-9]\d*$/m);
        assert.match(body, /^mta_amavis_verdicts_total\{verdict="clean",blocked="false"\} [1-9]\d*$/m);
        assert.match(body, /^mta_service_up\{service="postfix"\} 1$/m);
        assert.match(body, /^mta_build_info\{version="[^"]+",variant="full"\} 1$/m);
        assert.match(body, /^mta_tls_certificate_expiry_seconds \d+$/m);
        assert.match(body, /^mta_dkim_keys\{domain="example\.test"\} 1$/m);
        assert.match(get('/metrics', 'application/openmetrics-text; version=1.0.0'), /# EOF\n\n200$/);
      });

      it('tags GTUBE as spam and delivers it (FINAL_SPAM_DESTINY=D_PASS)', async () => {
        const token = `gtube-${tag}-${Date.now()}`;
        const r = mailIn(ns.name, 'sender@remote.test', 'info@example.test', token, ['--body', `${token}\n${GTUBE}\n`]);
        assert.equal(r.status, 0, r.out);
        const file = await eventually(() => delivered(c, token), 120_000, 'GTUBE delivery');
        const text = c.exec('cat', ...file.split('\n')).out;
        assert.match(text, /^X-Spam-Flag: YES/m);
      });

      it('discards EICAR (FINAL_VIRUS_DESTINY=D_DISCARD)', async () => {
        // As an attachment: clamd sees the exact 68 bytes the test signature hashes.
        const token = `eicar-${tag}-${Date.now()}`;
        const file = join(sinkDir, '..', 'eicar.com');
        writeFileSync(file, EICAR);
        const r = mailIn(ns.name, 'sender@remote.test', 'info@example.test', token, [
          '--attach-type',
          'application/octet-stream',
          '--attach-name',
          'eicar.com',
          '--attach',
          `@${file}`,
        ]);
        assert.equal(r.status, 0, r.out);
        await eventually(() => /Blocked INFECTED \(Eicar-Test-Signature/.test(c.logs()), 120_000, 'amavis verdict INFECTED');
        assert.equal(delivered(c, token), '', 'the virus was not delivered');
      });

      it('DKIM-signs outgoing mail', async () => {
        const token = `out-${tag}-${Date.now()}`;
        const r = mailIn(ns.name, 'info@example.test', 'someone@remote.test', token);
        assert.equal(r.status, 0, r.out);
        const msg = await eventually(
          () => {
            for (const f of readdirSync(sinkDir)) {
              const t = readFileSync(join(sinkDir, f), 'utf8');
              if (t.includes(token)) return t;
            }
            return undefined;
          },
          120_000,
          'outgoing message at the sink',
        );
        // The header field with its folded continuation lines.
        const sig = msg.match(/^DKIM-Signature:.*(?:\r?\n[ \t].*)*/m)?.[0] ?? '';
        assert.match(sig, /\bd=example\.test;/, msg.slice(0, 3000));
        assert.match(sig, /\bs=default;/);
      });
    }

    if (variant === 'full')
      it("spamd-learn: kopano's message is learned into amavis's Bayes DB; the folder reader is spamd-learn and cannot read a DKIM key", async () => {
        // As kopano-spamd writes it: its own uid and group, umask 022.
        const file = join(spamdDir, 'spam', `image-${tag}.eml`);
        writeFileSync(file, `From: x@offers.example\nTo: info@example.test\nSubject: cheap pills ${tag}\n\nwinner lottery prize\n`);
        chmodSync(file, 0o644);
        chownSync(file, 4321, 4321);
        await eventually(() => !existsSync(file), 60_000, 'learned and removed');
        const magic = () =>
          c.exec(
            'setpriv',
            '--reuid=amavis',
            '--regid=amavis',
            '--clear-groups',
            'env',
            'HOME=/var/amavis',
            'sa-learn',
            '--dbpath',
            '/var/amavis/.spamassassin/bayes',
            '--dump',
            'magic',
          ).out;
        await eventually(() => Number(/(\d+)\s+\d+\s+non-token data: nspam$/m.exec(magic())?.[1]) >= 1, 30_000, 'nspam >= 1');
        const id = (db: string, name: string) => Number(c.exec('getent', db, name).out.split(':')[2]);
        const reader = id('passwd', 'spamd-learn');
        const amavisUid = id('passwd', 'amavis');
        const amavisGid = id('group', 'amavis');
        // Each process's ids from /proc: the sidecar (the folder reader) and its sa-learn runner (whose command line,
        // a shell script, holds | too: it comes last).
        const procs = c
          .exec(
            'sh',
            '-c',
            'for d in /proc/[0-9]*; do printf "%s|%s|%s\\n" "$(grep ^Uid: $d/status)" "$(grep ^Groups: $d/status)" "$(tr "\\0\\n" "  " <$d/cmdline)"; done 2>/dev/null',
          )
          .out.split('\n');
        const ids = (marker: string) => {
          const line = procs.find((l) => l.includes(marker)) ?? '';
          const [uid = '', groups = ''] = line.split('|');
          return { uids: uid.split(/\s+/).slice(1).map(Number), groups: groups.split(/\s+/).slice(1).filter(Boolean).map(Number) };
        };
        const sidecar = ids('spamd-learn/bundle/main.js');
        assert.deepEqual(sidecar.uids, [reader, reader, reader, reader], procs.join('\n'));
        assert.ok(!sidecar.groups.includes(amavisGid), `groups ${sidecar.groups}`);
        assert.deepEqual(ids('spamd-learn-runner').uids, [amavisUid, amavisUid, amavisUid, amavisUid]);
        const key = c.exec('sh', '-c', 'ls /var/db/dkim/*.privkey.pem | head -1').out.trim();
        assert.match(key, /privkey\.pem$/);
        const read = c.exec('setpriv', '--reuid=spamd-learn', '--regid=spamd-learn', '--clear-groups', 'cat', key);
        assert.notEqual(read.status, 0);
        assert.match(read.out, /Permission denied/);
      });

    let mainCf = '';
    let dkimKeys = '';
    let queuedToken = '';
    it('docker stop: exit 0 within 10 s, the queue kept on /srv', async () => {
      // A message that stays queued: delivery deferred while it arrives, the setting removed again before the stop.
      c.exec('postconf', '-e', 'defer_transports=virtual,lmtp');
      c.exec('postfix', 'reload');
      await new Promise((r) => setTimeout(r, 1000));
      queuedToken = `queued-${tag}-${Date.now()}`;
      const r = mailIn(ns.name, 'sender@remote.test', 'abuse@example.test', queuedToken);
      assert.equal(r.status, 0, r.out);
      await eventually(() => queueIds(c).length > 0 && !delivered(c, queuedToken), 60_000, 'message deferred in the queue');
      c.exec('postconf', '-X', 'defer_transports');
      mainCf = c.exec('cat', '/etc/postfix/main.cf').out;
      dkimKeys = c.exec('sh', '-c', 'cat /var/db/dkim/*.pem 2>/dev/null | sha256sum').out;

      const t0 = performance.now();
      const stop = podman('stop', '-t', '10', name);
      const stopMs = Math.round(performance.now() - t0);
      assert.equal(stop.status, 0, stop.out);
      const st = state(name);
      assert.equal(st.running, false);
      assert.equal(st.exitCode, 0, c.logs().slice(-2000));
      assert.ok(stopMs < 10_000, `stop took ${stopMs} ms`);
      assert.match(c.logs(), /docker-entrypoint\.sh: stopped/);
    });

    it('re-created on the same /srv: no re-seed, same DKIM key, the queued message is delivered', async () => {
      c.remove();
      // A /srv from an earlier version: its amavisd.conf kept the pid file on /srv, and a container that was killed
      // left one there; here it names pid 1, alive in any container. No special case removes it any more: amavis
      // gets its run-time files under /run on its command line.
      if (variant === 'full') {
        const plant = ['run', '--rm', '--network', 'none', '-v', `${volume}:/srv`, '--entrypoint', 'sh', image];
        const earlier = [
          `sed -i "s|^\\$pid_file = .*|\\$pid_file = '/var/amavis/amavisd.pid';|; s|^\\$lock_file = .*|\\$lock_file = '/var/amavis/amavisd.lock';|" /srv/etc/amavis/amavisd.conf`,
          'grep -q "^.pid_file = ./var/amavis/amavisd.pid.;" /srv/etc/amavis/amavisd.conf',
          'echo 1 > /srv/var/lib/amavis/amavisd.pid',
        ].join(' && ');
        const r = podman(...plant, '-c', earlier);
        assert.equal(r.status, 0, r.out);
      }
      // Different env on purpose: without the unlock file it must be ignored.
      const o2 = { ...opts, name: `${name}-2`, env: { ...opts.env, MAIL_BOXES: 'other@example.test' } };
      c = startContainer(o2);
      await eventually(() => greeting(ns.name, 25).startsWith('220 '), 60_000, '220 after re-create');
      assert.equal(c.exec('cat', '/etc/postfix/main.cf').out, mainCf, 'main.cf unchanged');
      // The changed variable is named once as not applied; every process keeps the seeded value.
      assert.equal((c.logs().match(/"event":"seed\.not_applied"[^\n]*"variables":\[[^\]]*"MAIL_BOXES"/g) ?? []).length, 1, c.logs());
      assert.match(c.exec('cat', '/srv/etc/mta/effective.json').out, /"source": "seeding"/);
      assert.equal(c.exec('sh', '-c', 'cat /var/db/dkim/*.pem 2>/dev/null | sha256sum').out, dkimKeys, 'DKIM keys unchanged');
      if (variant === 'full') assert.notEqual(dkimKeys, c.exec('sh', '-c', 'printf "" | sha256sum').out, 'a DKIM key exists');
      assert.ok(queueIds(c).length > 0, 'the message is still queued after the re-create');
      // The stale pid file did not keep amavis (and so the filter) down. The flush waits for it: a message handed to
      // a filter that is still starting is deferred for postfix's backoff, longer than this test waits.
      if (variant === 'full')
        await eventually(
          () => /^healthy: .*amavis on 10024/m.test(c.exec('/usr/local/bin/healthcheck').out),
          180_000,
          'amavis up after the re-create',
        );
      c.exec('postqueue', '-f');
      await eventually(() => delivered(c, queuedToken), 60_000, 'delivery of the message queued before the stop');
      // Original recipients still accepted: the config comes from the volume, not the new env.
      const r = swaksIn(ns.name, ['--from', 'sender@remote.test', '--to', 'info@example.test', '--quit-after', 'RCPT']);
      assert.equal(r.status, 0, r.out);
    });

    it('podman restart: the same container starts again with the same services', async () => {
      const before = c.exec('sh', '-c', 'ls /etc/service').out;
      const r = podman('restart', '-t', '10', c.name);
      assert.equal(r.status, 0, r.out);
      await whileRunning(c, () => greeting(ns.name, 25).startsWith('220 '), 60_000, '220 after restart');
      assert.equal(c.exec('sh', '-c', 'ls /etc/service').out, before);
    });
  });

  describe(`image ${variant}: invalid environment`, { skip }, () => {
    it('exits non-zero and lists every error', async () => {
      const ns = netns(`mta-i-${process.pid}-${variant}`);
      const name = `mta-test-invalid-${process.pid}-${variant}`;
      try {
        const r = podman(
          ...podmanRunArgs({
            name,
            image: imageRef(variant),
            ns: ns.name,
            env: { MAIL_BOXES: 'info@example.test', SYSLOG_LEVEL: '9', MESSAGE_SIZE_LIMIT: 'lots' },
            detach: false,
          }),
        );
        assert.notEqual(r.status, 0, r.out);
        assert.match(r.out, /SYSLOG_LEVEL/);
        assert.match(r.out, /MESSAGE_SIZE_LIMIT/);
        assert.match(r.out, /seeding failed/);
        assert.notEqual(state(name).exitCode, 0);
      } finally {
        container(name).remove();
        ns.remove();
      }
    });
  });
}
