import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { parseEnv } from '../env/parse.ts';
import { SECRET_VARS } from '../env/schema.ts';
import { newNkey } from '../fleet/identity.ts';
import { createLogger } from '../log.ts';
import {
  BASE_PATH,
  PROCESS_ENV,
  type ProcessName,
  plainSecrets,
  processEnv,
  processEnvFile,
  renderProcessEnv,
  secretFile,
} from './process-env.ts';
import { warnPlainSecrets, writeProcessEnvs } from './process-env-write.ts';
import { SERVICES } from './services.ts';

const REPO = join(import.meta.dirname, '..', '..', '..');
const SIDECARS = ['guard', 'acme-watch', 'spamd-learn', 'dkim-keys', 'metrics', 'sender-milter', 'arc-milter', 'dmarc-reports', 'mta-sts'];
const BUS = ['NATS_URL', 'NATS_PASSWORD', 'NATS_TOKEN', 'NATS_CREDS', 'NATS_NKEY', 'NATS_TLS_KEY'];
const SIGNERS = ['guard', 'acme-watch', 'spamd-learn', 'dkim-keys', 'dmarc-reports', 'mta-sts'];

test('every runit service of the image has a row; daemons get no configuration and no secret', () => {
  const dirs = readdirSync(join(REPO, 'image/service'));
  assert.deepEqual(Object.keys(PROCESS_ENV).sort(), [...dirs].sort());
  for (const s of SERVICES) assert.ok(s.name in PROCESS_ENV, s.name);
  for (const [name, needs] of Object.entries(PROCESS_ENV)) {
    const sidecar = SIDECARS.includes(name);
    assert.equal(needs.config, sidecar, name);
    if (!sidecar) assert.deepEqual(needs.secrets, [], `${name} reads its secrets from the files the seed renders`);
  }
});

test('who gets which secret: the bus credentials every sidecar, the fleet key the signers, the DKIM key dkim-keys', () => {
  const holders = (v: string) =>
    Object.entries(PROCESS_ENV)
      .filter(([, n]) => (n.secrets as readonly string[]).includes(v))
      .map(([p]) => p)
      .sort();
  const want: Record<string, string[]> = {
    MTA_FLEET_KEY: [...SIGNERS].sort(),
    DKIM_PRIVATEKEY: ['dkim-keys'],
    ...Object.fromEntries(BUS.map((v) => [v, [...SIDECARS].sort()])),
  };
  // Every other secret is for the seed alone: it renders them into the daemons' files.
  for (const v of [...SECRET_VARS, 'NATS_URL']) assert.deepEqual(holders(v), want[v] ?? [], v);
});

const SEED_A = 'SUACVUEODT5OZYE66KCYYBXXE4VCC7EVD7FAJJGM73AJMLKU4M2JTXU3KM';
const raw = {
  MAIL_DOMAIN: 'example.com',
  HOSTNAME: 'mx1',
  TZ: 'Europe/Berlin',
  SOMETHING_ELSE: 'dropped',
  SMTPD_SASL_CLIENTAUTH: 'app:{plain}sasl-pw-1',
  LDAP_BIND_PW__FILE: '/run/secrets/ldap',
  MTA_FLEET_KEY: SEED_A,
  NATS_URL: 'nats://u:nats-pw-2@127.0.0.1:4222',
  NATS_TLS_CA__FILE: '/run/secrets/ca.pem',
};
const resolved = { ...raw, LDAP_BIND_PW: 'ldap-pw-3', NATS_TLS_CA: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----' };
const SECRETS = ['sasl-pw-1', 'ldap-pw-3', SEED_A, 'nats-pw-2'];

test('a sidecar gets its configuration and a root-only file per secret it needs; no secret value in its environment', () => {
  const { env, files } = processEnv('guard', { raw, resolved, root: '/' });
  const text = JSON.stringify(env);
  for (const s of SECRETS) assert.ok(!text.includes(s), s);
  assert.equal(env.PATH, BASE_PATH);
  assert.equal(env.MTA_PROCESS, 'guard');
  assert.equal(env.TZ, 'Europe/Berlin');
  assert.equal(env.MAIL_DOMAIN, 'example.com');
  assert.equal(env.SOMETHING_ELSE, undefined, 'what is not configuration stays behind');
  assert.equal(env.NATS_TLS_CA__FILE, '/run/secrets/ca.pem', 'a non-secret file stays where it was given');
  assert.equal(env.MTA_FLEET_KEY__FILE, '/run/mta/secrets/guard/MTA_FLEET_KEY');
  assert.equal(env.NATS_URL__FILE, secretFile('/', 'guard', 'NATS_URL'), 'NATS_URL with a password is a secret');
  assert.deepEqual(
    files.map((f) => [f.path, f.content]),
    [
      [secretFile('/', 'guard', 'NATS_URL'), raw.NATS_URL],
      [secretFile('/', 'guard', 'MTA_FLEET_KEY'), SEED_A],
    ],
  );
  for (const k of ['SMTPD_SASL_CLIENTAUTH', 'LDAP_BIND_PW', 'LDAP_BIND_PW__FILE', 'SMTPD_SASL_CLIENTAUTH__FILE'])
    assert.equal(env[k], undefined, `${k}: guard has no use for it`);
});

test('a NATS_URL without credentials is plain configuration', () => {
  const { env, files } = processEnv('metrics', { raw: { NATS_URL: 'nats://a:4222' }, resolved: { NATS_URL: 'nats://a:4222' }, root: '/' });
  assert.equal(env.NATS_URL, 'nats://a:4222');
  assert.deepEqual(files, []);
});

test('a daemon gets PATH, HOME, the kept locale variables and nothing of the configuration', () => {
  for (const d of ['postfix', 'dovecot', 'amavis', 'haproxy', 'nats-server'] as ProcessName[]) {
    const { env, files } = processEnv(d, { raw, resolved, root: '/' });
    assert.deepEqual(env, { PATH: BASE_PATH, HOME: '/root', MTA_PROCESS: d, TZ: 'Europe/Berlin', HOSTNAME: 'mx1' });
    assert.deepEqual(files, []);
  }
});

test("metrics verifies its own node's heartbeats with the public key, never the signing key", () => {
  const trusted = { ...resolved, MTA_FLEET_TRUST: 'mx2=UBLHZWXJEIQAKBBHR5GXQTIROU46BUWYRU2QSXXMKRIOJJK4OOAFRZ47' };
  const { env, files } = processEnv('metrics', { raw: trusted, resolved: trusted, root: '/', selfTrust: 'mx1=UXYZ' });
  assert.equal(env.MTA_FLEET_TRUST, `${trusted.MTA_FLEET_TRUST} mx1=UXYZ`);
  assert.equal(env.MTA_FLEET_KEY__FILE, undefined);
  assert.ok(!files.some((f) => f.content === SEED_A));
  // Without a trust list metrics watches no peers, as before.
  assert.equal(processEnv('metrics', { raw, resolved, root: '/', selfTrust: 'mx1=UXYZ' }).env.MTA_FLEET_TRUST, undefined);
});

test('the environment file is read back exactly by the shell, multi-line and quoted values included', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mta-penv-'));
  try {
    const env = { PATH: BASE_PATH, A: 'it\'s\n$HOME `x` "q"', B: '' };
    await writeFile(join(dir, 'f'), renderProcessEnv(env));
    const r = spawnSync('env', ['-i', '/bin/sh', '-c', 'set -a; . "$0"; set +a; exec env -0', join(dir, 'f')], { encoding: 'utf8' });
    const got = Object.fromEntries(
      r.stdout
        .split('\0')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    for (const [k, v] of Object.entries(env)) assert.equal(got[k], v, k);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeProcessEnvs: root-only directories and files, and nothing left of the last start', async () => {
  const root = await mkdtemp(join(tmpdir(), 'mta-penv-'));
  try {
    const key = await newNkey();
    const env = { ...resolved, MTA_FLEET_KEY: key.seed };
    await writeProcessEnvs({ root, raw: env, resolved: env, node: 'mx1' });
    const f = secretFile(root, 'dkim-keys', 'MTA_FLEET_KEY');
    assert.equal(await readFile(f, 'utf8'), key.seed);
    assert.equal((await stat(f)).mode & 0o777, 0o400);
    assert.equal((await stat(join(root, 'run/mta/secrets'))).mode & 0o777, 0o700);
    assert.equal((await stat(join(root, 'run/mta/secrets/dkim-keys'))).mode & 0o777, 0o700);
    assert.equal((await stat(processEnvFile(root, 'postfix'))).mode & 0o777, 0o600);
    const envText = await readFile(processEnvFile(root, 'dkim-keys'), 'utf8');
    for (const s of [key.seed, ...SECRETS]) assert.ok(!envText.includes(s), s);
    const dirBefore = (await stat(join(root, 'run/mta/secrets'))).ino;
    await writeProcessEnvs({ root, raw: { MAIL_DOMAIN: 'x' }, resolved: { MAIL_DOMAIN: 'x' }, node: 'mx1' });
    await assert.rejects(stat(f), { code: 'ENOENT' });
    // Emptied, not replaced: a tmpfs mounted there stays.
    assert.equal((await stat(join(root, 'run/mta/secrets'))).ino, dirBefore);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, log: createLogger({ sidecar: 'seed', node: 'mx1', destination, secrets: SECRETS }) };
}

test('secrets given as plain variables: one warning naming them (never their values), recommending __FILE', () => {
  assert.deepEqual(plainSecrets(raw), ['SMTPD_SASL_CLIENTAUTH', 'NATS_URL', 'MTA_FLEET_KEY']);
  const { lines, log } = capture();
  warnPlainSecrets(log, raw);
  assert.equal(lines.length, 1);
  const [line] = lines;
  assert.equal(line?.event, 'config.plain_secrets');
  assert.equal(line?.level, 'warn');
  assert.deepEqual(line?.variables, ['SMTPD_SASL_CLIENTAUTH', 'NATS_URL', 'MTA_FLEET_KEY']);
  assert.match(String(line?.msg), /__FILE/);
  for (const s of SECRETS) assert.ok(!JSON.stringify(line).includes(s), s);
});

test('no warning when every secret comes as __FILE, or none is set', () => {
  const { lines, log } = capture();
  warnPlainSecrets(log, { MAIL_DOMAIN: 'example.com', LDAP_BIND_PW__FILE: '/run/secrets/ldap', NATS_URL: 'nats://a:4222' });
  warnPlainSecrets(log, {});
  assert.deepEqual(lines, []);
});

test('a process with its own share parses values only: the rules about secrets it lacks were the seed’s to check', () => {
  // MTA_FLEET_KEY is required with ACME_SOURCE=fleet: metrics does not get it, and must still start.
  const env = { MAIL_DOMAIN: 'example.com', ACME_SOURCE: 'fleet', NATS_URL: 'nats://a:4222,nats://b:4222' };
  assert.equal(parseEnv(env).ok, false);
  assert.equal(parseEnv(env, { rules: false }).ok, true);
});
