import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempRoot } from '../harness/index.ts';
import { createLab, LAB_GATEWAY, type Lab, type LabPeer } from './lab.ts';
import { buildImages, type Container, imageRef, skipReason, startContainer, VARIANTS, whileRunning } from './podman.ts';

// The image as the open internet and its neighbours see it: relay tricks from a client on the same bridge network,
// against an mta on that network and against a host-network mta reached through the bridge address; relaying from
// MYNETWORKS and after AUTH; and the TLS profile of 25/465/587/993 as testssl.sh rates it.

const skip = skipReason() ?? (VARIANTS.includes('base') ? undefined : 'needs the base image');
const TAG = `mtas${process.pid}`;
const MX = '10.89.0.10';
const HOSTS = { mx: MX, client: '10.89.0.5', trusted: '10.89.0.6' };
const APP = { user: 'app', password: 'app-secret-5' };

// [what, MAIL FROM, RCPT TO]; `@self` is the address of the mta under test.
const TRICKS: [string, string, string][] = [
  ['a plain outside recipient', 'a@remote.test', 'victim@outside.test'],
  ['the null sender', '<>', 'victim@outside.test'],
  ['our own domain as the sender', 'info@example.com', 'victim@outside.test'],
  ['the percent hack', 'a@remote.test', 'victim%outside.test@example.com'],
  ['the percent hack, our domain in upper case', 'a@remote.test', 'victim%outside.test@EXAMPLE.COM'],
  ['a source route', 'a@remote.test', '@example.com:victim@outside.test'],
  ['a two-hop source route', 'a@remote.test', '@example.com,@outside.test:victim@outside.test'],
  ['a bang path', 'a@remote.test', 'outside.test!victim@example.com'],
  ['a bang path without a domain', 'a@remote.test', 'outside.test!victim'],
  ['a quoted local part holding an @', 'a@remote.test', '"victim@outside.test"@example.com'],
  ['a quoted local part holding a %', 'a@remote.test', '"victim%outside.test"@Example.Com'],
  ['a trailing dot', 'a@remote.test', 'victim@outside.test.'],
  ['an upper-case outside domain', 'a@remote.test', 'victim@OUTSIDE.TEST'],
  ['our domain as a prefix of another', 'a@remote.test', 'victim@example.com.outside.test'],
  ['a subdomain of ours', 'a@remote.test', 'victim@sub.example.com'],
  ['two @', 'a@remote.test', 'victim@outside.test@example.com'],
  ['an address literal of another host', 'a@remote.test', 'victim@[10.89.0.99]'],
  ['the percent hack at our own address literal', 'a@remote.test', 'victim%outside.test@[@self]'],
  ['localhost', 'a@remote.test', 'victim@localhost'],
  ['an unqualified recipient', 'a@remote.test', 'victim'],
];

// SMTP from a peer's namespace; quits after RCPT.
function smtp(peer: LabPeer, server: string, port: number, from: string, to: string, extra: string[] = []) {
  return peer.exec(
    'swaks',
    [
      '--hide-informational',
      '--timeout',
      '20',
      '--server',
      server,
      '--port',
      String(port),
      '--from',
      from,
      '--to',
      to,
      '--quit-after',
      'RCPT',
      ...extra,
    ],
    { timeoutMs: 40_000 },
  ).out;
}
// swaks marks lines inside TLS with ~ instead of -, and errors with *.
const rcptAccepted = (out: string) => /[-~]> RCPT TO:[^\n]*\n<[-~]\s+25\d /.test(out);
const refused5xx = (out: string) => /<(\*\*|~\*)\s+5\d\d /.test(out) && !rcptAccepted(out);

describe('safe on the open internet', { skip, concurrency: false }, () => {
  let lab: Lab;
  let peers: Record<keyof typeof HOSTS, LabPeer>;
  const containers: Container[] = [];
  const cleanups: (() => unknown)[] = [];

  before(
    async () => {
      await buildImages(VARIANTS);
      lab = await createLab(TAG, HOSTS);
      cleanups.push(() => lab.remove());
      peers = Object.fromEntries(Object.entries(HOSTS).map(([n, ip]) => [n, lab.peer(n, ip)])) as typeof peers;
      const env = {
        MAIL_BOXES: 'info@example.com',
        MAIL_DOMAIN: 'example.com',
        SMTPD_USE_TLS: 'yes',
        SMTPD_SASL_CLIENTAUTH: `${APP.user}:{plain}${APP.password}`,
        VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport',
        MYNETWORKS: `127.0.0.0/8 [::1]/128 ${HOSTS.trusted}/32`,
        DOVECOT_AUTH_FAILURE_DELAY: '0',
        // The client's 20 relay tricks would get it banned by the guard (docs/defences.md) before it authenticates
        // below, and testssl.sh from it opens hundreds of connections a minute (anvil's default limit is 60); this
        // suite is about the relay rules and the TLS profile themselves.
        GUARD_IGNORE: HOSTS.client,
        SMTPD_CLIENT_CONNECTION_RATE_LIMIT: '0',
      };
      // A base mta on the bridge network, and one in the bridge's own namespace (host networking), both as a user
      // starts them: nothing but the documented variables. The host one would ban the client after a few tricks
      // (relay attempts are abuse), and a ban answers 421, not the relay rules' 5xx this suite is about.
      const runs: [string, string, string, Record<string, string>, string[]][] = [
        ['mx', peers.mx.ns, 'mx.example.com', env, lab.dnsArgs()],
        ['host', lab.gateway.ns, 'host.example.com', { MAIL_BOXES: 'info@example.com', GUARD_IGNORE: HOSTS.client }, []],
      ];
      for (const [name, ns, hostname, e, args] of runs)
        containers.push(startContainer({ name: `${TAG}-${name}`, image: imageRef('base'), ns, hostname, env: e, args }));
      const greeted = (ip: string) =>
        peers.client.exec('timeout', ['3', 'bash', '-c', `exec 3<>/dev/tcp/${ip}/25 && head -n1 <&3`]).out.startsWith('220 ');
      for (const [c, ip] of [
        [containers[0], MX],
        [containers[1], LAB_GATEWAY],
      ] as const)
        if (c) await whileRunning(c, () => greeted(ip), 60_000, `220 from ${ip}`);
    },
    { timeout: 45 * 60_000 },
  );

  after(async () => {
    for (const c of containers) {
      if (process.env.MTA_TEST_IMAGE_LOGS === '1') console.log(c.logs());
      c.remove();
    }
    for (const fn of cleanups.reverse()) await fn();
  });

  for (const [target, server] of [
    ['an mta on the same bridge network', MX],
    ['a host-network mta reached through the bridge address', LAB_GATEWAY],
  ] as const) {
    it(`${TRICKS.length} relay tricks from a neighbour end in a 5xx: ${target}`, () => {
      const accepted: string[] = [];
      for (const [what, from, to] of TRICKS) {
        const out = smtp(peers.client, server, 25, from, to.replace('@self', server));
        if (!refused5xx(out)) accepted.push(`${what} (${to}):\n${out}`);
      }
      assert.deepEqual(accepted, []);
    });
  }

  it('the bridge gateway (where docker proxies every internet client from) is not trusted either', () => {
    const out = smtp(lab.gateway, MX, 25, 'a@remote.test', 'victim@outside.test');
    assert.ok(refused5xx(out), out);
    assert.match(out, /Relay access denied/);
  });

  it('a client inside MYNETWORKS relays on 25; on 465/587 only after AUTH', () => {
    assert.ok(rcptAccepted(smtp(peers.trusted, MX, 25, 'a@remote.test', 'someone@outside.test')), 'MYNETWORKS relays');
    for (const [port, tls] of [
      [587, '--tls'],
      [465, '--tlsc'],
    ] as const) {
      const anon = smtp(peers.client, MX, port, 'info@example.com', 'someone@outside.test', [tls]);
      assert.ok(refused5xx(anon), `${port} without AUTH:\n${anon}`);
      const authed = smtp(peers.client, MX, port, 'info@example.com', 'someone@outside.test', [
        tls,
        '--auth',
        'PLAIN',
        '--auth-user',
        APP.user,
        '--auth-password',
        APP.password,
      ]);
      assert.ok(rcptAccepted(authed), `${port} after AUTH:\n${authed}`);
    }
    // AUTH is never offered before TLS: not on 587 before STARTTLS, not on 143 before STARTTLS.
    const ehlo = peers.client.exec('swaks', ['--server', MX, '--port', '587', '--quit-after', 'EHLO']).out;
    assert.match(ehlo, /250-STARTTLS/);
    assert.doesNotMatch(ehlo, /250[- ]AUTH/);
    const imap = peers.client.exec('timeout', ['3', 'bash', '-c', `exec 3<>/dev/tcp/${MX}/143 && head -n1 <&3`]).out;
    assert.match(imap, /LOGINDISABLED/, imap);
    assert.doesNotMatch(imap, /AUTH=PLAIN/);
  });

  it('the TLS profile of 25, 465, 587 and 993: testssl.sh finds nothing HIGH or CRITICAL but the self-signed trust', {
    timeout: 15 * 60_000,
  }, async () => {
    const { dir, cleanup } = await tempRoot('mta-testssl-');
    cleanups.push(cleanup);
    const targets: [number, string[]][] = [
      [25, ['--starttls', 'smtp']],
      [465, []],
      [587, ['--starttls', 'smtp']],
      [993, []],
    ];
    // The four scans run at once (each mostly waits on handshakes).
    const reports = await Promise.all(
      targets.map(([port, extra]) => {
        const json = join(dir, `${port}.json`);
        const args = ['netns', 'exec', peers.client.ns, 'testssl', '--quiet', '--color', '0', '--warnings', 'off', '--nodns', 'none'];
        args.push(
          '--protocols',
          '--std',
          '--server-preference',
          '--fs',
          '--server-defaults',
          '--vulnerable',
          '--jsonfile',
          json,
          ...extra,
          `${MX}:${port}`,
        );
        return new Promise<{ port: number; findings: Finding[]; log: string }>((resolve) => {
          const p = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
          let log = '';
          p.stdout.on('data', (d) => (log += d));
          p.stderr.on('data', (d) => (log += d));
          p.once('exit', () => {
            let findings: Finding[] = [];
            try {
              findings = JSON.parse(readFileSync(json, 'utf8')) as Finding[];
            } catch {}
            resolve({ port, findings, log });
          });
        });
      }),
    );
    const bad: string[] = [];
    for (const r of reports) {
      assert.ok(r.findings.length > 20, `testssl on ${r.port} produced no report:\n${r.log.slice(-3000)}`);
      assert.ok(
        r.findings.some((f) => f.id === 'TLS1_2' && /offered/.test(f.finding)),
        `${r.port}: TLS 1.2 not offered?`,
      );
      for (const f of r.findings)
        if ((f.severity === 'HIGH' || f.severity === 'CRITICAL') && !TRUST_FINDINGS.test(f.id))
          bad.push(`${r.port} ${f.severity} ${f.id}: ${f.finding}`);
      for (const id of ['TLS1', 'TLS1_1', 'SSLv3', 'SSLv2'])
        assert.ok(
          r.findings.some((f) => f.id === id && /not offered/.test(f.finding)),
          `${r.port}: ${id} must not be offered`,
        );
    }
    assert.deepEqual(bad, []);
  });
});

interface Finding {
  id: string;
  severity: string;
  finding: string;
}
// Certificate trust: the certificate is the seed's self-signed one (no CA, so no CRL or OCSP either), and its name
// is not the address testssl connects to.
const TRUST_FINDINGS = /^(cert_chain_of_trust|cert_trust|cert_revocation|cert_commonName|cert_subjectAltName|cert_caIssuers)/;
