import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUser } from '@nats-io/nkeys';
import { formatIssue, parseEnv } from '../parse.ts';
import { secretValues } from '../secrets.ts';

const base = { HOSTNAME: 'mx1.example.com' };
const seed = () => new TextDecoder().decode(createUser().getSeed());
const PEM = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----`;
const errorsOf = (env: Record<string, string>, files: Record<string, string> = {}) => {
  const r = parseEnv(
    { ...base, ...env },
    {
      read: (p) => {
        if (p in files) return files[p] as string;
        throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      },
    },
  );
  return r.ok ? [] : r.errors.map(formatIssue);
};

test('every fleet credential can come from a file (docker secrets) and is a secret', () => {
  const s = seed();
  const files = {
    '/s/nkey': `${s}\n`,
    '/s/key': PEM('PRIVATE KEY'),
    '/s/cert': PEM('CERTIFICATE'),
    '/s/ca': PEM('CERTIFICATE'),
    '/s/fleet': s,
  };
  const env = {
    NATS_URL: 'tls://nats1:4222',
    NATS_NKEY__FILE: '/s/nkey',
    NATS_TLS_CA__FILE: '/s/ca',
    NATS_TLS_CERT__FILE: '/s/cert',
    NATS_TLS_KEY__FILE: '/s/key',
    MTA_FLEET_KEY__FILE: '/s/fleet',
  };
  const r = parseEnv({ ...base, ...env }, { read: (p) => files[p as keyof typeof files] ?? '' });
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  assert.equal(r.config.NATS_NKEY, s);
  assert.equal(r.config.MTA_FLEET_KEY, s);
  assert.match(r.config.NATS_TLS_KEY ?? '', /PRIVATE KEY/);
  const secrets = secretValues(r.env);
  for (const v of [s, r.config.NATS_TLS_KEY]) assert.ok(secrets.includes(v as string));
  assert.ok(!secrets.includes(r.config.NATS_TLS_CERT as string));
});

test('fleet variables that only make sense together, and malformed keys, are errors naming the variable', () => {
  assert.deepEqual(errorsOf({ NATS_TLS_CERT: PEM('CERTIFICATE') }), ['NATS_TLS_KEY: required when NATS_TLS_CERT is set']);
  assert.deepEqual(errorsOf({ NATS_PASSWORD: 'pw' }), ['NATS_USER: required when NATS_PASSWORD is set']);
  assert.deepEqual(errorsOf({ NATS_TOKEN: 'tok', NATS_NKEY: seed() }), [
    'NATS_NKEY: give one kind of NATS credentials, not NATS_TOKEN and NATS_NKEY',
  ]);
  assert.deepEqual(errorsOf({ ACME_SOURCE: 'fleet' }), ['MTA_FLEET_KEY: required when ACME_SOURCE=fleet (fleet entries are signed)']);
  assert.match(errorsOf({ MTA_FLEET_KEY: 'not a seed' }).join(), /MTA_FLEET_KEY: is not an NKEY user seed/);
  assert.doesNotMatch(errorsOf({ MTA_FLEET_KEY: 'SUsecretish' }).join(), /SUsecretish/);
  assert.match(errorsOf({ MTA_FLEET_TRUST: 'mx2=nope' }).join(), /MTA_FLEET_TRUST: "mx2=nope" is not a public user NKEY/);
  assert.match(errorsOf({ NATS_TLS_CA: 'hello' }).join(), /NATS_TLS_CA: is not a CA certificate in PEM form/);
  const pub = createUser().getPublicKey();
  const r = parseEnv({ ...base, MTA_FLEET_TRUST: `mx2=${pub}, ${pub}` });
  assert.ok(r.ok);
  assert.deepEqual(
    r.config.MTA_FLEET_TRUST?.map((t) => t.name),
    ['mx2', `${pub.slice(0, 8)}…`],
  );
});
