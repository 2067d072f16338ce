import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acmeV2, type Issued, issue, makeCa } from '@mta/acme-watch/testing';
import { seedLdapEnv } from '../fixtures/compat/seed-env.ts';
import { eventually, type Mariadb, type Slapd, startMariadb, startSlapd, tempRoot } from '../harness/index.ts';
import { createLab, LAB_SUBNET, type Lab, type LabPeer } from './lab.ts';
import {
  buildImages,
  type Container,
  healthy,
  imageRef,
  podman,
  removeVolume,
  skipReason,
  startContainer,
  VARIANTS,
  type Variant,
  whileRunning,
} from './podman.ts';

// The seed image's own test suite (mlan/docker-postfix-amavis test/Makefile, summarised in the repository's
// coordination notes), run against this image: a server and a client container on one private network, LDAP and
// MariaDB beside them, and a curl client sending through the client to the server. The result is read where the
// seed's suite reads it (the server's mailbox file) or over IMAP where dovecot holds it.
// Where a safe default of ours differs from the seed's, the scenario sets the documented variable (docs/security.md,
// upgrade notes): MYNETWORKS trusts the curl client's network on the client, SMTPD_SASL_SENDERS lets scenario 4's
// LDAP logins send as sender@example.com (in the envelope and the From header).

const skip = skipReason();
const TAG = `mtac${process.pid}`;
const FIXTURES = new URL('../fixtures/compat/', import.meta.url).pathname;
const HOSTS = {
  'test-auth': '10.89.0.3',
  'test-db': '10.89.0.4',
  'test-curl': '10.89.0.5',
  'test-srv': '10.89.0.10',
  'test-cli': '10.89.0.11',
};
// Every mta container of the seed's suite gets these (TST_ENV).
const SEED_TEST_ENV = { MYORIGIN: 'example.com', SYSLOG_LEVEL: '7', LOG_LEVEL: '6', SA_DEBUG: '0', SA_TAG_LEVEL_DEFLT: '-99' };
// Our safe default trusts loopback only; the seed trusted its subnet (the curl container is a neighbour).
const TRUST_NEIGHBOURS = { MYNETWORKS: `127.0.0.0/8 ${LAB_SUBNET}` };
// Scenario 4 relays logins as a sender they do not own (receiver and office1 send as sender@example.com): the seed
// never checked; we refuse it unless the login is listed. office1 is the satellite MTA's LDAP login on the server.
const SERVER_SENDERS = { SMTPD_SASL_SENDERS: 'office1:@example.com' };
const CLIENT_SENDERS = { SMTPD_SASL_SENDERS: 'receiver:sender@example.com' };
const { lookup: LDAP_LOOKUP, saslOnly: LDAP_SASL_ONLY } = seedLdapEnv('test-auth');
// The seed suite's client: a relay to test-srv with no local domain (MYDESTINATION=), trusted by the curl client.
const RELAY_CLIENT = { RELAYHOST: '[test-srv]', MYDESTINATION: '', ...TRUST_NEIGHBOURS };
const MYSQL_LOOKUP = {
  MYSQL_HOST: 'test-db',
  MYSQL_DATABASE: 'postfix',
  MYSQL_USER: 'admin',
  MYSQL_PASSWORD: 'secret',
  MYSQL_QUERY_USER: "select recipient from mailboxes where mail='%s' limit 1;",
};
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

const needs = (...v: Variant[]) => (skip ? skip : v.every((x) => VARIANTS.includes(x)) ? false : `needs the ${v.join(', ')} image(s)`);

describe('seed compatibility: the seed test suite scenarios', { skip, concurrency: false }, () => {
  let lab: Lab;
  let peers: Record<keyof typeof HOSTS, LabPeer>;
  let slapd: Slapd | undefined;
  let db: Mariadb | undefined;
  let work = '';
  const cleanups: (() => unknown)[] = [];
  const running = new Map<string, Container>();

  before(
    async () => {
      if (skip) return;
      await buildImages(VARIANTS);
      lab = await createLab(TAG, HOSTS);
      cleanups.push(() => lab.remove());
      peers = Object.fromEntries(Object.entries(HOSTS).map(([n, ip]) => [n, lab.peer(n, ip)])) as typeof peers;
      const tmp = await tempRoot('mta-compat-');
      cleanups.push(() => tmp.cleanup());
      work = tmp.dir;
      mkdirSync(join(work, 'ldap'));
      mkdirSync(join(work, 'db'));
      slapd = await startSlapd(join(work, 'ldap'), {
        ldif: join(FIXTURES, 'seed.ldif'),
        listen: { netns: peers['test-auth'].ns, host: HOSTS['test-auth'] },
      });
      cleanups.push(() => slapd?.stop());
      db = await startMariadb(join(work, 'db'), {
        fixture: join(FIXTURES, 'seed.sql'),
        listen: { netns: peers['test-db'].ns, host: HOSTS['test-db'] },
      });
      cleanups.push(() => db?.stop());
    },
    { timeout: 45 * 60_000 },
  );

  after(async () => {
    for (const c of running.values()) {
      if (process.env.MTA_TEST_IMAGE_LOGS === '1') console.log(c.logs());
      c.remove();
    }
    for (const v of ['srv', 'cli']) removeVolume(`${TAG}-${v}`);
    for (const fn of cleanups.reverse()) await fn();
  });

  // Starts test-srv or test-cli (replacing the previous one) the way the seed's suite does: its hostname, the seed
  // test env, and the lab's DNS; `volume` keeps /srv in a named volume across re-creations.
  function mta(role: 'srv' | 'cli', variant: Variant, env: Record<string, string>, o: { volume?: boolean; mounts?: string[] } = {}) {
    const name = `${TAG}-${role}`;
    running.get(role)?.remove();
    const c = startContainer({
      name,
      image: imageRef(variant),
      ns: peers[`test-${role}`].ns,
      hostname: `test-${role}.example.com`,
      env: { ...SEED_TEST_ENV, ...env },
      volumes: [...(o.volume ? [`${name}:/srv`] : []), ...(o.mounts ?? [])],
      args: lab.dnsArgs(),
    });
    running.set(role, c);
    return c;
  }

  // The first line on host:port, seen from the curl client's namespace.
  const banner = (host: string, port: number) =>
    peers['test-curl']
      .exec('timeout', ['3', 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port} && head -n1 <&3 && printf 'QUIT\\r\\n' >&3`], {
        timeoutMs: 5000,
      })
      .out.trim();

  async function up(c: Container, host: string, full = false): Promise<void> {
    await whileRunning(c, () => /^220 /.test(banner(host, 25)), 60_000, `${c.name}: 220 on ${host}:25`);
    // The full image filters through amavis and clamd: mail sent before they run would be deferred for minutes.
    if (full) await healthy(c);
  }

  // A one-signature ClamAV database, copied in (not mounted: the image's own directory is what freshclam writes).
  function clamSignatures(c: Container): void {
    const file = join(work, 'test.hdb');
    const md5 = createHash('md5').update(EICAR).digest('hex');
    writeFileSync(file, `${md5}:${Buffer.byteLength(EICAR)}:Eicar-Test-Signature\n`);
    const r = podman('cp', file, `${c.name}:/var/lib/clamav/test.hdb`);
    assert.equal(r.status, 0, r.out);
  }

  // The seed suite's message (test-mail-send), sent with curl from the curl client's namespace.
  function send(o: { url: string; to: string; marker: string; user?: string }): void {
    const message = `From: <sender@example.com>\r\nTo: <${o.to}>\r\nDate: ${new Date().toUTCString()}\r\nSubject: ~~~test~subject~~~\r\n\r\n${o.marker}\r\n`;
    const args = [
      '-s',
      '-S',
      '--max-time',
      '60',
      '-T',
      '-',
      '--mail-from',
      'sender@example.com',
      '--mail-rcpt',
      o.to,
      '--url',
      o.url,
      '--ssl',
      '-k',
    ];
    if (o.user) args.push('-u', o.user, '--anyauth');
    const r = peers['test-curl'].exec('curl', args, { input: message, timeoutMs: 90_000 });
    assert.equal(r.status, 0, `curl ${o.url} to ${o.to}: ${r.out}`);
  }

  // The seed suite's check (test-mail-read): the server's mailbox file holds the marker.
  async function delivered(c: Container, mailbox: string, marker: string, timeoutMs = 60_000): Promise<string> {
    return eventually(
      () => {
        const r = c.exec('cat', `/var/mail/${mailbox}`);
        return r.status === 0 && r.out.includes(marker) ? r.out : undefined;
      },
      timeoutMs,
      `${marker} in /var/mail/${mailbox} of ${c.name}\n${running.get('cli')?.exec('postqueue', '-p').out ?? ''}`,
    );
  }

  // No local domain: postfix has no virtual mailbox domains, and `mta status` says "relay only" (the CLI is checked in
  // full; the mini and base CLI load a sidecar only full ships, which issue 18 fixes on its own branch).
  function assertRelayOnly(c: Container, variant: Variant): void {
    assert.equal(c.exec('postconf', '-h', 'virtual_mailbox_domains').out.trim(), '');
    if (variant === 'full') assert.match(c.exec('mta', 'status').out, /^delivery: relay only/m);
  }

  // A certificate for test-srv from a test CA, written as `files` into a directory to mount (readable by the daemons).
  function serverCert(dir: string, files: (cert: Issued) => Record<string, string>): string {
    const path = join(work, dir);
    mkdirSync(path, { recursive: true });
    const cert = issue(makeCa(`mta compat ${dir} CA`), { cn: 'test-srv.example.com', sans: ['test-srv.example.com'] });
    for (const [name, text] of Object.entries(files(cert))) writeFileSync(join(path, name), text, { mode: 0o644 });
    chmodSync(path, 0o755);
    return path;
  }

  const stdoutLogs = (name: string) => spawnSync('podman', ['--runtime', 'runc', 'logs', name], { encoding: 'utf8' }).stdout;
  const marker = (n: number | string) => `~~~test~message~~~${n}-${TAG}`;

  it('0: every variant starts with no variables at all, as a plain relay, and says so on stdout', {
    skip: needs(...VARIANTS),
  }, async () => {
    for (const variant of VARIANTS) {
      const name = `${TAG}-smoke`;
      // No --hostname: the container id, without a domain part, as in `docker run <image>`.
      const c = startContainer({ name, image: imageRef(variant), ns: peers['test-srv'].ns, hostname: '', env: {} });
      running.set('smoke', c);
      try {
        if (variant === 'full') clamSignatures(c);
        // full: amavis too (it refuses a host name without a domain, and then every message is deferred).
        await up(c, 'test-srv', variant === 'full');
        const out = stdoutLogs(name);
        assert.match(out, /docker-entrypoint\.sh/, `the seed's smoke test greps stdout for docker-entrypoint.sh:\n${out}`);
        assert.match(out, /relay only: no domain is local.*MAIL_BOXES/, out);
        assertRelayOnly(c, variant);
        if (variant === 'full') {
          assert.match(out, /HOSTNAME \w+ is not fully qualified: amavis uses \w+\.localdomain/, out);
          assert.doesNotMatch(c.logs(), /You must explicitly assign a FQDN/);
          assert.match(c.exec('/usr/local/bin/healthcheck').out, /amavis on 10024/);
        }
      } finally {
        c.remove();
        running.delete('smoke');
      }
    }
  });

  it('1: mini server with MAIL_BOXES and MAIL_ALIASES; mini client relaying through RELAYHOST, MYDESTINATION=', {
    skip: needs('mini'),
  }, async () => {
    const srv = mta('srv', 'mini', {
      MAIL_BOXES: 'receiver@example.com sender@example.com',
      MAIL_ALIASES: 'root:receiver,receiver@example.com postmaster:receiver',
    });
    const cli = mta('cli', 'mini', { ...RELAY_CLIENT, MAIL_ALIASES: 'root:receiver,receiver@example.com postmaster:receiver' });
    await Promise.all([up(srv, 'test-srv'), up(cli, 'test-cli')]);
    // The client owns no mailbox: its own domain is not local, so mail for it relays to the server.
    assertRelayOnly(cli, 'mini');
    send({ url: 'smtp://test-cli', to: 'receiver@example.com', marker: marker(1) });
    await delivered(srv, 'receiver@example.com', marker(1));
    // An alias without a domain: completed with the origin on the client, resolved by the server's MAIL_ALIASES.
    send({ url: 'smtp://test-cli', to: 'postmaster', marker: marker('1b') });
    await delivered(srv, 'receiver@example.com', marker('1b'));
  });

  it('2: mini server with LDAP lookups; mini client with RELAYHOST=[test-srv] and MYDESTINATION=', { skip: needs('mini') }, async () => {
    const srv = mta('srv', 'mini', LDAP_LOOKUP);
    const cli = mta('cli', 'mini', RELAY_CLIENT);
    await Promise.all([up(srv, 'test-srv'), up(cli, 'test-cli')]);
    send({ url: 'smtp://test-cli', to: 'receiver@example.com', marker: marker(2) });
    await delivered(srv, 'receiver@example.com', marker(2));
  });

  it('3: base server with MySQL lookups, own TLS files and dovecot LMTP (%Ln); read over IMAPS', {
    skip: needs('base', 'mini'),
  }, async () => {
    const ssl = serverCert('ssl', (cert) => ({
      'test-srv.example.com.crt': cert.chainPem,
      'test-srv.example.com.key': cert.keyPem,
    }));
    const srv = mta(
      'srv',
      'base',
      {
        ...MYSQL_LOOKUP,
        MYSQL_QUERY_PASS: "select user, password from users where user='%u'",
        VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport',
        DOVECOT_AUTH_USERNAME_FORMAT: '%Ln',
        SMTPD_TLS_CERT_FILE: '/etc/ssl/postfix/test-srv.example.com.crt',
        SMTPD_TLS_KEY_FILE: '/etc/ssl/postfix/test-srv.example.com.key',
      },
      { mounts: [`${ssl}:/etc/ssl/postfix:ro`] },
    );
    const cli = mta('cli', 'mini', RELAY_CLIENT);
    await Promise.all([up(srv, 'test-srv'), up(cli, 'test-cli')]);
    send({ url: 'smtp://test-cli', to: 'receiver@example.com', marker: marker(3) });
    const found = await eventually(
      () => {
        const r = peers['test-curl'].exec(
          'curl',
          ['-s', '-S', '-k', '--max-time', '20', '-u', 'receiver:secret', 'imaps://test-srv/INBOX', '-X', `SEARCH BODY "${marker(3)}"`],
          { timeoutMs: 30_000 },
        );
        return /^\* SEARCH \d/m.test(r.out) ? r.out : undefined;
      },
      60_000,
      'the message over IMAPS',
    );
    assert.match(found, /^\* SEARCH \d/m);
  });

  it('4: base server with LDAP lookups and LDAP SASL; base client authenticating to it (SMTPS in, 587 out)', {
    skip: needs('base'),
  }, async () => {
    const srv = mta('srv', 'base', { ...LDAP_LOOKUP, LDAP_QUERY_ATTRS_PASS: 'uid=user', SMTPD_USE_TLS: 'yes', ...SERVER_SENDERS });
    const cli = mta('cli', 'base', {
      ...LDAP_SASL_ONLY,
      ...CLIENT_SENDERS,
      SMTPD_USE_TLS: 'yes',
      SMTP_RELAY_HOSTAUTH: '[test-srv]:587 office1:password1',
      MYDESTINATION: '',
      SMTP_TLS_SECURITY_LEVEL: 'encrypt',
    });
    await Promise.all([up(srv, 'test-srv'), up(cli, 'test-cli')]);
    // Authenticated on the client (LDAP bind as receiver); the client authenticates to the server as office1.
    send({ url: 'smtps://test-cli', to: 'receiver@example.com', marker: marker(4), user: 'receiver:secret' });
    await delivered(srv, 'receiver@example.com', marker(4));
    assert.match(srv.logs(), /sasl_method=(PLAIN|LOGIN), sasl_username=office1/);
  });

  it('5: base server with ACME_FILE from a generated acme.json and a password file; mini client relaying with SASL', {
    skip: needs('base', 'mini'),
  }, async () => {
    const acme = serverCert('acme', (cert) => ({ 'acme.json': acmeV2({ le: [{ main: 'test-srv.example.com', cert }] }) }));
    const srv = mta(
      'srv',
      'base',
      {
        ACME_FILE: '/acme/acme.json',
        MAIL_BOXES: 'receiver@example.com sender@example.com',
        SMTPD_SASL_CLIENTAUTH: 'receiver:{plain}secret office2:{plain}password2',
      },
      { mounts: [`${acme}:/acme`] },
    );
    const cli = mta('cli', 'mini', {
      SMTP_RELAY_HOSTAUTH: '[test-srv]:587 office2:password2',
      SMTP_TLS_SECURITY_LEVEL: 'encrypt',
      MYDESTINATION: '',
      ...TRUST_NEIGHBOURS,
    });
    await Promise.all([up(srv, 'test-srv'), up(cli, 'test-cli')]);
    send({ url: 'smtp://test-cli', to: 'receiver@example.com', marker: marker(5) });
    await delivered(srv, 'receiver@example.com', marker(5));
    // The client authenticated (libsasl2-modules: without them postfix logs "No worthy mechs found" and defers).
    assert.match(srv.logs(), /sasl_username=office2/);
    assert.match(cli.logs(), /Trusted TLS connection established to test-srv\.example\.com|TLS connection established to test-srv/);
  });

  const TWO_DOMAINS = { MAIL_BOXES: 'receiver@example.com receiver@my-domain.org', MAIL_DOMAIN: 'example.com my-domain.org' };

  it('6+7: full server and full client (SMTPD_USE_TLS=yes) on named /srv volumes, two domains; the client DKIM-signs', {
    skip: needs('full'),
  }, async () => {
    for (const v of ['srv', 'cli']) removeVolume(`${TAG}-${v}`);
    const srv = mta('srv', 'full', { ...TWO_DOMAINS, SMTPD_USE_TLS: 'yes' }, { volume: true });
    const cli = mta(
      'cli',
      'full',
      { ...RELAY_CLIENT, DKIM_SELECTOR: 'default', MAIL_DOMAIN: 'example.com', SMTPD_USE_TLS: 'yes' },
      { volume: true },
    );
    // freshclam (as clamav) can create files in the image's own signature directory. setpriv, as runit's chpst does
    // for the services, not su: trixie ships the clamav account expired, which PAM (su) refuses.
    for (const c of [srv, cli]) {
      const probe = c.exec(
        'setpriv',
        '--reuid=clamav',
        '--regid=clamav',
        '--init-groups',
        'sh',
        '-c',
        'mktemp -d /var/lib/clamav/probe.XXXXXX && rm -r /var/lib/clamav/probe.*',
      );
      assert.equal(probe.status, 0, `clamav cannot write /var/lib/clamav: ${probe.out}`);
      clamSignatures(c);
    }
    await Promise.all([up(srv, 'test-srv', true), up(cli, 'test-cli', true)]);
    assertRelayOnly(cli, 'full');
    for (const c of [srv, cli]) assert.doesNotMatch(c.logs(), /Can't create temporary directory/);
    send({ url: 'smtp://test-cli', to: 'receiver@example.com', marker: marker(6) });
    send({ url: 'smtp://test-cli', to: 'receiver@my-domain.org', marker: marker(7) });
    await delivered(srv, 'receiver@example.com', marker(6), 180_000);
    const mail = await delivered(srv, 'receiver@my-domain.org', marker(7), 180_000);
    assert.match(mail, /^DKIM-Signature:.*\bd=example\.com;/m, mail.slice(0, 3000));
    // The hop between the two went over TLS (both offer STARTTLS with their self-signed certificates).
    assert.match(srv.logs(), /Anonymous TLS connection established from test-cli|TLS connection established from .*10\.89\.0\.11/);
  });

  it('8: the same volumes re-used without variables (persistence)', { skip: needs('full') }, async () => {
    const srv = mta('srv', 'full', {}, { volume: true });
    const cli = mta('cli', 'full', {}, { volume: true });
    for (const c of [srv, cli]) clamSignatures(c);
    await Promise.all([up(srv, 'test-srv', true), up(cli, 'test-cli', true)]);
    send({ url: 'smtp://test-cli', to: 'receiver@my-domain.org', marker: marker(8) });
    const mail = await delivered(srv, 'receiver@my-domain.org', marker(8), 180_000);
    assert.match(mail, /^DKIM-Signature:.*\bd=example\.com;/m);
  });

  it('9: the server again with FORCE_CONFIG and new variables: a clean re-render (a mailbox in a sub-directory)', {
    skip: needs('full'),
  }, async () => {
    const srv = mta(
      'srv',
      'full',
      {
        FORCE_CONFIG: 'true',
        MAIL_DOMAIN: TWO_DOMAINS.MAIL_DOMAIN,
        MAIL_BOXES: 'receiver@example.com receiver@my-domain.org:my-domain.org/receiver',
      },
      { volume: true },
    );
    clamSignatures(srv);
    await up(srv, 'test-srv', true);
    send({ url: 'smtp://test-cli', to: 'receiver@my-domain.org', marker: marker(9) });
    await delivered(srv, 'my-domain.org/receiver', marker(9), 180_000);
    const owner = srv.exec('stat', '-c', '%U %a', '/var/mail/my-domain.org').out.trim();
    assert.equal(owner, 'vmail 750');
  });
});
