import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseEnv } from '@mta/shared';
import { changedInputs, readSeededInputs, seededInputValues, writeSeededInputs } from './seeded-inputs.ts';

const PARAMS = new Set(['disable_vrfy_command', 'smtpd_helo_required', 'mail_version']);
const values = (env: Record<string, string>) => {
  const r = parseEnv({ HOSTNAME: 'mx.a.test', RELAYHOST: '[relay.a.test]:587', NATS_USER: 'u', ...env });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return seededInputValues(r.config, r.env, PARAMS);
};

test('seeded secrets and pass-through variables: digests only, compared by name', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mta-inputs-'));
  try {
    const path = join(dir, 'srv/etc/mta/seeded-inputs.json');
    const seeded = values({
      SMTP_RELAY_HOSTAUTH: '[relay.a.test]:587 u:pw-1',
      DISABLE_VRFY_COMMAND: 'yes',
      DOVECOT_MAIL_DEBUG: 'yes',
      MAIL_VERSION: '9',
      NATS_PASSWORD: 'n',
    });
    // A reserved postfix parameter and the bus's (live) secret are not seeding's inputs.
    assert.deepEqual([...seeded.keys()].sort(), ['DISABLE_VRFY_COMMAND', 'DOVECOT_MAIL_DEBUG', 'SMTP_RELAY_HOSTAUTH']);
    await writeSeededInputs(path, seeded);
    const text = await readFile(path, 'utf8');
    assert.ok(!text.includes('pw-1'));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const file = await readSeededInputs(path);
    assert.ok(file);
    assert.deepEqual(changedInputs(file, seeded), []);
    const later = values({ SMTP_RELAY_HOSTAUTH: '[relay.a.test]:587 u:pw-2', DOVECOT_MAIL_DEBUG: 'yes', SMTPD_HELO_REQUIRED: 'yes' });
    assert.deepEqual(changedInputs(file, later).sort(), ['DISABLE_VRFY_COMMAND', 'SMTPD_HELO_REQUIRED', 'SMTP_RELAY_HOSTAUTH']);
    // Unchanged inputs leave the file (and its salt) as it is.
    await writeSeededInputs(path, seeded);
    assert.equal(await readFile(path, 'utf8'), text);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
