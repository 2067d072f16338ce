import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { amavisPort, type Check, healthChecks, milterTargets, saslSockets, socketmapTargets, tcpTableTargets } from './checks.ts';
import { probe } from './probe.ts';
import { healthVariant } from './variant.ts';

// What each check probes, in order.
const probed = (checks: Check[]) => checks.map((c) => c.probe.what);

const base = { contentFilter: '', clamdConf: undefined, queueDirectory: '/q', saslEnabled: 'no', saslPath: '', masterParams: '' };

test('the checks follow the variant and the configuration', () => {
  assert.deepEqual(probed(healthChecks({ ...base, variant: 'mini' })), ['postfix smtpd on 25']);
  const full = healthChecks({
    ...base,
    variant: 'full',
    contentFilter: 'smtp-amavis:[127.0.0.1]:10034',
    clamdConf: 'Foreground true\nLocalSocket /run/c.sock\n',
    masterParams:
      'submission/inet/smtpd_sasl_auth_enable = yes\nsubmission/inet/smtpd_sasl_path = private/auth\nsmtps/inet/smtpd_tls_wrappermode = yes\n',
  });
  assert.deepEqual(probed(full), ['postfix smtpd on 25', 'amavis on 10034', 'clamd on /run/c.sock', 'dovecot auth on /q/private/auth']);
  assert.equal(amavisPort(''), 10024);
});

test('SASL sockets: main.cf and per-service overrides, absolute paths kept, duplicates once', () => {
  assert.deepEqual(saslSockets({ queueDirectory: '/q', saslEnabled: 'yes', saslPath: '', masterParams: '' }), ['/q/private/auth']);
  assert.deepEqual(
    saslSockets({
      queueDirectory: '/q',
      saslEnabled: 'yes',
      saslPath: 'private/auth',
      masterParams:
        'a/inet/smtpd_sasl_auth_enable = yes\nb/inet/smtpd_sasl_auth_enable = yes\nb/inet/smtpd_sasl_path = /run/auth\nc/inet/smtpd_sasl_auth_enable = no\n',
    }),
    ['/q/private/auth', '/run/auth'],
  );
  assert.deepEqual(saslSockets({ queueDirectory: '/q', saslEnabled: 'no', saslPath: '', masterParams: '' }), []);
  // The sender check's smtpd uses cyrus: its smtpd_sasl_path names no socket.
  assert.deepEqual(
    saslSockets({
      queueDirectory: '/q',
      saslEnabled: 'no',
      saslType: 'cyrus',
      saslPath: '',
      masterParams: [
        'submission/inet/smtpd_sasl_auth_enable = yes',
        'submission/inet/smtpd_sasl_type = dovecot',
        'submission/inet/smtpd_sasl_path = private/auth',
        'mta-sender-check/unix/smtpd_sasl_auth_enable = yes',
        'mta-sender-check/unix/smtpd_sasl_type = cyrus',
        'mta-sender-check/unix/smtpd_sasl_path = mta-sender-check',
      ].join('\n'),
    }),
    ['/q/private/auth'],
  );
});

test('milters of the submission list are probed by their option negotiation', async () => {
  assert.deepEqual(milterTargets('unix:/run/m.sock, inet:127.0.0.1:8891 inet:[::1]:8893 bogus'), [
    { target: { path: '/run/m.sock' }, what: 'milter on /run/m.sock' },
    { target: { host: '127.0.0.1', port: 8891 }, what: 'milter on 127.0.0.1:8891' },
    { target: { host: '::1', port: 8893 }, what: 'milter on ::1:8893' },
  ]);
  const checks = healthChecks({ ...base, variant: 'base', submissionMilters: 'unix:/run/m.sock' });
  assert.deepEqual(probed(checks), ['postfix smtpd on 25', 'milter on /run/m.sock']);
  // A milter answers the negotiation with its own "O" packet; an SMTP server's greeting is not one.
  const milter = await serve((s) =>
    s.on('data', () => s.write(Buffer.from([0, 0, 0, 13, 0x4f, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0x02, 0xbf]))),
  );
  const notMilter = await serve((s) => s.write('220 mx ESMTP\r\n'));
  const probeOf = checks[1]?.probe;
  assert.ok(probeOf);
  assert.equal(await probe({ host: '127.0.0.1', port: milter }, probeOf), undefined);
  assert.match(
    (await probe({ host: '127.0.0.1', port: notMilter }, { ...probeOf, timeoutMs: 300 })) ?? '',
    /^milter on \/run\/m\.sock: no answer/,
  );
});

test('the DMARC milters of port 25 (full) are probed like the submission ones', () => {
  const smtpdMilters = 'unix:/run/mta/opendkim/opendkim.sock, unix:/run/mta/opendmarc/opendmarc.sock';
  const full = healthChecks({ ...base, variant: 'full', smtpdMilters });
  assert.deepEqual(
    probed(full).filter((w) => w.startsWith('milter')),
    ['milter on /run/mta/opendkim/opendkim.sock', 'milter on /run/mta/opendmarc/opendmarc.sock'],
  );
  assert.ok(full.filter((c) => c.probe.what.startsWith('milter')).every((c) => c.probe.send instanceof Buffer));
});

test('tcp tables of recipient_canonical_maps (postsrsd, SRS=yes) are probed in every variant', () => {
  assert.deepEqual(tcpTableTargets('hash:/etc/postfix/x, tcp:127.0.0.1:10002 tcp:[::1]:7'), [
    { target: { host: '127.0.0.1', port: 10002 }, what: 'tcp table on 127.0.0.1:10002' },
    { target: { host: '::1', port: 7 }, what: 'tcp table on ::1:7' },
  ]);
  const checks = healthChecks({ ...base, variant: 'mini', recipientCanonicalMaps: 'tcp:127.0.0.1:10002' });
  assert.deepEqual(probed(checks), ['postfix smtpd on 25', 'tcp table on 127.0.0.1:10002']);
  // An SMTP greeting is no table answer; a real postsrsd's is probed in test/src/seed/srs.test.ts.
  assert.ok(!checks[1]?.probe.expect.test('220 mx ESMTP\r\n'));
});

const servers: Server[] = [];
const conns: Socket[] = [];
after(() => {
  for (const c of conns) c.destroy();
  for (const s of servers) s.close();
});
async function serve(onConn: (s: Socket) => void): Promise<number> {
  const srv = createServer((s) => {
    conns.push(s);
    onConn(s);
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as { port: number }).port;
}

test('probe: a greeting passes, a wrong one, silence and a refused port fail naming the check', async () => {
  const good = await serve((s) => s.write('220 mx ESMTP\r\n'));
  const wrong = await serve((s) => s.write('554 go away\r\n'));
  const silent = await serve(() => undefined);
  const pong = await serve((s) => s.on('data', () => s.write('PONG\n')));
  const smtp = { expect: /^220[ -]/m, what: 'smtp' };
  assert.equal(await probe({ host: '127.0.0.1', port: good }, smtp), undefined);
  assert.match((await probe({ host: '127.0.0.1', port: wrong }, smtp)) ?? '', /^smtp: unexpected greeting "554 go away\\r"/);
  assert.match((await probe({ host: '127.0.0.1', port: silent }, { ...smtp, timeoutMs: 100 })) ?? '', /no answer within 100 ms/);
  assert.equal(await probe({ host: '127.0.0.1', port: pong }, { send: 'nPING\n', expect: /PONG/, what: 'clamd' }), undefined);
  assert.match((await probe({ path: '/nonexistent/sock' }, smtp)) ?? '', /^smtp: ENOENT/);
});

test('the variant comes from the effective configuration, else from the image marker', () => {
  const files = (f: Record<string, string>) => (path: string) => f[path];
  const marker = { '/usr/share/mta/variant': 'full\n' };
  assert.equal(healthVariant(files({ ...marker, '/srv/etc/mta/effective.json': '{"variant":"base"}' })), 'base');
  assert.equal(healthVariant(files(marker)), 'full');
  assert.equal(healthVariant(files({ ...marker, '/srv/etc/mta/effective.json': '{' })), 'full');
  assert.equal(healthVariant(files({ ...marker, '/srv/etc/mta/effective.json': '{"variant":7}' })), 'full');
  assert.equal(healthVariant(files({})), 'mini');
});

test('the MTA-STS socketmap is probed with a request about "." (no DNS), and only a socketmap reply counts', async () => {
  const list = 'texthash:/etc/postfix/mta-tls-policy, socketmap:unix:/run/mta/mta-sts/policy.sock:mta-sts hash:/x';
  assert.deepEqual(socketmapTargets(list), [
    { target: { path: '/run/mta/mta-sts/policy.sock' }, what: 'socketmap mta-sts on /run/mta/mta-sts/policy.sock', send: '9:mta-sts .,' },
  ]);
  const checks = healthChecks({ ...base, variant: 'mini', tlsPolicyMaps: list });
  assert.deepEqual(
    checks.map((c) => c.probe.what),
    ['postfix smtpd on 25', 'socketmap mta-sts on /run/mta/mta-sts/policy.sock'],
  );
  const expect = checks[1]?.probe.expect;
  assert.ok(expect?.test('9:NOTFOUND ,'));
  assert.ok(!expect?.test('220 mx ESMTP\r\n'));
});
