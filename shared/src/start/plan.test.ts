import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { parseEnv } from '../env/parse.ts';
import type { RawEnv, Variant } from '../env/spec.ts';
import { localBus, renderStartEnv, startPlan } from './plan.ts';
import { startSettings } from './settings.ts';

const BUILT = ['acme-watch', 'dkim-keys', 'spamd-learn', 'guard', 'metrics', 'sender-milter', 'dmarc-reports'].map(
  (n) => `/r/opt/mta/sidecars/${n}/bundle/main.js`,
);
const plan = (variant: Variant, env: RawEnv, present: string[] = [], readOnly?: (path: string) => boolean) => {
  const have = new Set([...BUILT, ...present]);
  const parsed = parseEnv({ HOSTNAME: 'mx.example.test', ...env });
  return startPlan({ env, settings: startSettings(env, parsed), variant, root: '/r', exists: (p) => have.has(p), readOnly });
};

test('services follow the variant and the configured features, each skip with its reason', () => {
  assert.deepEqual(plan('mini', {}).services, ['postfix', 'guard']);
  assert.deepEqual(plan('mini', { GUARD: 'no', METRICS: 'yes' }, ['/r/etc/haproxy/mta.cfg']).services, ['postfix', 'haproxy', 'metrics']);
  const base = plan('base', {});
  assert.deepEqual(base.services, ['postfix', 'guard', 'dovecot']);
  assert.deepEqual(base.skipped, [
    { name: 'metrics', why: 'METRICS=no' },
    { name: 'acme-watch', why: '/acme does not exist' },
  ]);
  // The sender milter runs exactly when the seed wired it (its settings file), silently absent otherwise.
  assert.deepEqual(plan('base', {}, ['/r/etc/postfix/mta-sender-milter.json']).services, ['postfix', 'guard', 'dovecot', 'sender-milter']);
  assert.deepEqual(plan('mini', {}, ['/r/etc/postfix/mta-sender-milter.json']).services, ['postfix', 'guard']);
  // postsrsd runs exactly when the seed wired SRS (its argument file), in every variant.
  assert.deepEqual(plan('mini', {}, ['/r/etc/postfix/mta-postsrsd.args']).services, ['postfix', 'guard', 'postsrsd']);
  // DANE's resolver runs exactly when the seed wrote its configuration, in every variant.
  assert.deepEqual(plan('mini', {}, ['/r/etc/postfix/mta-unbound.conf']).services, ['unbound', 'postfix', 'guard']);
  // The DMARC milters run exactly when the seed wrote their configurations, in the full image only.
  const milters = ['/r/etc/postfix/mta-opendkim.conf', '/r/etc/postfix/mta-opendmarc.conf'];
  assert.ok(['opendkim', 'opendmarc'].every((s) => plan('full', {}, milters).services.includes(s)));
  assert.ok(!plan('full', {}).services.includes('opendkim'));
  assert.deepEqual(plan('base', {}, milters).services, ['postfix', 'guard', 'dovecot']);
  // The report sidecar runs exactly when the seed left its mark (DMARC_REPORTS=yes at seeding), full image only.
  const mark = '/r/etc/postfix/mta-dmarc-reports.conf';
  assert.ok(plan('full', {}, [...milters, mark]).services.includes('dmarc-reports'));
  assert.ok(!plan('full', {}, milters).services.includes('dmarc-reports'));
  assert.ok(!plan('base', {}, [mark]).services.includes('dmarc-reports'));
  const full = plan('full', {}, ['/acme', '/var/lib/kopano/spamd']);
  assert.deepEqual(full.services, [
    'postfix',
    'guard',
    'dovecot',
    'acme-watch',
    'amavis',
    'clamd',
    'freshclam',
    'sa-update',
    'dkim-keys',
    'spamd-learn',
  ]);
  assert.deepEqual(full.entry, { dkimKeys: true, acmeWatch: true });
  const fleetCerts = plan('full', { ACME_SOURCE: 'fleet', KOPANO_SPAMD_LIB: '/k' });
  assert.ok(fleetCerts.services.includes('acme-watch'));
  assert.deepEqual(fleetCerts.entry.acmeWatch, '', 'no entry pass for certificates from the fleet');
  assert.deepEqual(fleetCerts.skipped.at(-1), { name: 'spamd-learn', why: '/k does not exist' });
});

test('a sidecar that is not built into the image is skipped and said so', () => {
  const have = new Set(['/acme']);
  const env = {};
  const p = startPlan({
    env,
    settings: startSettings(env, parseEnv({ HOSTNAME: 'mx.a.test' })),
    variant: 'full',
    root: '/r',
    exists: (x) => have.has(x),
  });
  assert.deepEqual(
    p.skipped.map((s) => `${s.name}: ${s.why}`),
    [
      'guard: not built into this image',
      'metrics: METRICS=no',
      'acme-watch: not built into this image',
      'dkim-keys: not built into this image',
      'spamd-learn: /var/lib/kopano/spamd does not exist',
    ],
  );
  assert.match(String(p.entry.dkimKeys), /not built into this image; outgoing mail will not be DKIM-signed/);
});

test('seeding is the seed gate: unlock file, or FORCE_CONFIG that is not blank', () => {
  assert.equal(plan('mini', {}).seeding, false);
  assert.equal(plan('mini', {}, ['/r/srv/etc/.docker.unlock']).seeding, true);
  assert.equal(plan('mini', { FORCE_CONFIG: '  ' }).seeding, false);
  assert.equal(plan('mini', { FORCE_CONFIG: 'yes' }).seeding, true);
});

test('the local bus runs only for one loopback URL; an invalid environment still gets a plan', () => {
  assert.deepEqual(localBus(['nats://127.0.0.1:4222'], 'n'), { port: 4222, node: 'n' });
  assert.deepEqual(localBus(['nats://localhost'], 'n'), { port: 4222, node: 'n' });
  assert.deepEqual(localBus(['nats://nats:4222'], 'n'), { why: 'NATS_URL is remote' });
  assert.deepEqual(localBus(['nats://a:1', 'nats://b:1'], 'n'), { why: 'NATS_URL names a cluster' });
  const broken = plan('full', { NATS_URL: 'http://nope', MAIL_BOXES: '???', MTA_NODE: 'mx1', KOPANO_SPAMD_LIB: '/k' });
  assert.deepEqual(broken.bus, { port: 4222, node: 'mx1' });
  assert.equal(broken.spamdLib, '/k');
});

test('the shell reads back exactly what was decided, whatever the values hold', () => {
  const p = plan('full', { MTA_NODE: "o'brien $(touch /tmp/x)" }, ['/acme']);
  const text = renderStartEnv(p);
  const out = execFileSync(
    'bash',
    ['-c', `set -eu; eval "$PLAN"; printf '%s|' "$MTA_SERVICES" "$MTA_BUS_NODE" "$MTA_HAPROXY_CONF"; printf '%s\\n' "$MTA_SKIPPED"`],
    {
      env: { PLAN: text, PATH: process.env.PATH },
      encoding: 'utf8',
    },
  );
  assert.equal(
    out,
    `${p.services.join(' ')}|o'brien $(touch /tmp/x)|/r/etc/haproxy/mta.cfg|metrics (METRICS=no)\nspamd-learn (/var/lib/kopano/spamd does not exist)\n`,
  );
});

test('a read-only signature volume: freshclam is not started, with the reason', () => {
  const p = plan('full', {}, [], (x) => x === '/r/var/lib/clamav');
  assert.ok(p.services.includes('clamd'));
  assert.ok(!p.services.includes('freshclam'));
  assert.match(p.skipped.find((s) => s.name === 'freshclam')?.why ?? '', /^\/var\/lib\/clamav is read-only: /);
  assert.ok(plan('full', {}).services.includes('freshclam'), 'a writable (or missing) directory keeps freshclam');
});

test("amavis's run-time files are named for the shell by the one list of paths", () => {
  const out = execFileSync('bash', ['-c', 'eval "$PLAN"; printf "%s|%s|%s" "$MTA_AMAVIS_RUN" "$MTA_AMAVIS_PID" "$MTA_AMAVIS_LOCK"'], {
    env: { PLAN: renderStartEnv(plan('full', {})), PATH: process.env.PATH },
    encoding: 'utf8',
  });
  assert.equal(out, '/r/run/amavis|/r/run/amavis/amavisd.pid|/r/run/amavis/amavisd.lock');
});
