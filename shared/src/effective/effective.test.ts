import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseEnv } from '../env/parse.ts';
import type { Config } from '../env/schema.ts';
import type { RawEnv } from '../env/spec.ts';
import { tempTree } from '../temp-tree.test-helper.ts';
import { buildEffective, SEEDED_VARS } from './build.ts';
import { readEffective, writeEffective } from './file.ts';
import { effectiveConfig, notApplied, parseEffective } from './overlay.ts';

const config = (env: RawEnv): Config => {
  const r = parseEnv({ HOSTNAME: 'mx.a.test', ...env });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
};
const build = (env: RawEnv, exists: (p: string) => boolean = () => false) =>
  buildEffective({ config: config(env), variant: 'full', root: '/r', now: new Date(0), source: 'seeding', exists });

test('the effective configuration holds the seeded values and the derived facts, never a secret', () => {
  const e = build(
    {
      MAIL_DOMAIN: 'a.test b.test',
      TRUSTED_PROXIES: '192.0.2.10',
      MYNETWORKS: '198.51.100.0/24',
      SMTP_RELAY_HOSTAUTH: '[relay.a.test]:587 user:hunter2-secret',
      NATS_URL: 'nats://u:pw-secret@127.0.0.1:4222',
      SYSLOG_LEVEL: '7',
    },
    (p) => p === '/r/etc/haproxy/mta.cfg',
  );
  const text = JSON.stringify(e);
  assert.doesNotMatch(text, /hunter2|pw-secret/);
  assert.deepEqual(e.secrets, ['SMTP_RELAY_HOSTAUTH']);
  assert.equal(e.config.SYSLOG_LEVEL, undefined, 'live variables are read at every start, not written down');
  assert.deepEqual(e.config.MAIL_DOMAIN, ['a.test', 'b.test']);
  assert.equal(e.facts.primaryDomain, 'a.test');
  assert.deepEqual(e.facts.dkimDomains, ['a.test', 'b.test']);
  assert.deepEqual(e.facts.trustedProxies, ['192.0.2.10']);
  assert.ok(e.facts.mynetworks.includes('198.51.100.0/24'));
  assert.equal(e.facts.relayOnly, true);
  assert.deepEqual(e.facts.services, { proxyGate: true, senderMilter: false });
  assert.equal(e.paths.haproxyConf, '/r/etc/haproxy/mta.cfg');
  assert.equal(e.paths.amavisPid, '/r/run/amavis/amavisd.pid');
  assert.equal(e.facts.node, 'mx.a.test');
  assert.equal(e.facts.daemons, undefined, 'versions not known: no fact');
  const versions = { postfix: '3.10.13', dovecot: '2.4.1-4' };
  const withDaemons = buildEffective({
    config: config({}),
    variant: 'mini',
    root: '/',
    now: new Date(0),
    source: 'seeding',
    daemons: versions,
  });
  assert.deepEqual(withDaemons.facts.daemons, versions);
});

test('no domain: the one fallback is postfix own localdomain', () => {
  const e = buildEffective({ config: config({ HOSTNAME: 'mx' }), variant: 'mini', root: '/', now: new Date(0), source: 'seeding' });
  assert.equal(e.facts.primaryDomain, 'localdomain');
  assert.deepEqual(e.facts.domains, []);
  assert.deepEqual(e.facts.dkimDomains, []);
});

test('processes see the seeded values; live variables and secrets come from this start', () => {
  const seeded = build({ TRUSTED_PROXIES: '192.0.2.10', MYNETWORKS: '198.51.100.0/24' });
  const now = config({
    TRUSTED_PROXIES: '192.0.2.99',
    MYNETWORKS: '203.0.113.0/24',
    SYSLOG_LEVEL: '7',
    NATS_USER: 'u',
    NATS_PASSWORD: 'x',
  });
  const c = effectiveConfig(now, seeded);
  assert.deepEqual(c.TRUSTED_PROXIES, ['192.0.2.10']);
  assert.ok(c.MYNETWORKS.includes('198.51.100.0/24') && !c.MYNETWORKS.includes('203.0.113.0/24'));
  assert.equal(c.SYSLOG_LEVEL, 7);
  assert.equal(c.NATS_PASSWORD, 'x');
  assert.deepEqual(notApplied(now, seeded), ['MYNETWORKS', 'TRUSTED_PROXIES']);
  assert.deepEqual(notApplied(config({ TRUSTED_PROXIES: '192.0.2.10', MYNETWORKS: '198.51.100.0/24', GUARD: 'no' }), seeded), []);
  assert.equal(effectiveConfig(now, undefined), now, 'no effective configuration yet: the environment');
  assert.ok(!SEEDED_VARS.includes('NATS_PASSWORD') && !SEEDED_VARS.includes('SYSLOG_LEVEL'));
});

test('written atomically and world-readable; read back typed; a foreign or broken file is an error naming it', async () => {
  const dir = tempTree('mta-effective-');
  const path = join(dir, 'srv/etc/mta/effective.json');
  assert.equal(await readEffective(path), undefined);
  const e = build({ MAIL_DOMAIN: 'a.test' });
  assert.equal(await writeEffective(path, e), true);
  assert.deepEqual(await readEffective(path), e);
  assert.equal((await stat(path)).mode & 0o777, 0o644);
  // The same configuration seeded again later: the file, its date and its mtime stay.
  const mtime = (await stat(path)).mtimeMs;
  const later = buildEffective({
    config: config({ MAIL_DOMAIN: 'a.test' }),
    variant: 'full',
    root: '/r',
    now: new Date(1e9),
    source: 'seeding',
  });
  assert.equal(await writeEffective(path, later), false);
  assert.deepEqual([await readEffective(path), (await stat(path)).mtimeMs], [e, mtime]);
  assert.equal(await writeEffective(path, build({ MAIL_DOMAIN: 'b.test' })), true);
  await writeFile(path, JSON.stringify({ ...JSON.parse(await readFile(path, 'utf8')), version: 99 }));
  await assert.rejects(readEffective(path), (err: Error) => err.message.startsWith(`${path}: not an effective configuration`));
  await writeFile(path, '{');
  await assert.rejects(readEffective(path), (err: Error) => err.message.startsWith(`${path}: not JSON`));
  await writeEffective(path, build({ TRUSTED_PROXIES: '192.0.2.10' }));
  const parsed = await parseEffective({ HOSTNAME: 'mx.a.test', MTA_ROOT: dir, TRUSTED_PROXIES: '192.0.2.77' });
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.config.TRUSTED_PROXIES, ['192.0.2.10']);
});

test('a seeding that changes nothing leaves the file alone whatever the order of its keys', async () => {
  const dir = tempTree('mta-effective-');
  const path = join(dir, 'effective.json');
  const e = build({ MAIL_DOMAIN: 'a.test' });
  assert.equal(await writeEffective(path, { ...e, facts: { ...e.facts, daemons: { postfix: '3.7.11', dovecot: '2.3.19' } } }), true);
  const reordered = {
    ...e,
    seededAt: new Date(Date.now() + 60_000).toISOString(),
    facts: { ...e.facts, daemons: { dovecot: '2.3.19', postfix: '3.7.11' } },
  };
  assert.equal(await writeEffective(path, reordered), false);
});
