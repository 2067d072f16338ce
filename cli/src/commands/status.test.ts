import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { status } from './status.ts';

test('status reports the variant from what is installed and a pending seed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mta-status-'));
  try {
    mkdirSync(join(root, 'usr/sbin'), { recursive: true });
    mkdirSync(join(root, 'srv/etc'), { recursive: true });
    writeFileSync(join(root, 'usr/sbin/dovecot'), '');
    writeFileSync(join(root, 'srv/etc/.docker.unlock'), '');
    const out: string[] = [];
    const env = { HOSTNAME: 'mx.example.com', DOCKER_UNLOCK_FILE: '/srv/etc/.docker.unlock' };
    await status({ env, out: (l) => out.push(l), err: () => {} }, root);
    assert.deepEqual(out, [
      'variant: base',
      'node: mx.example.com',
      'domains: example.com',
      'bus: nats://127.0.0.1:4222',
      'seeding: pending (unlock file present)',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('status says how mail for the domains is handled, from the seeded main.cf', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mta-status-'));
  try {
    mkdirSync(join(root, 'etc/postfix'), { recursive: true });
    const run = async (mainCf: string) => {
      writeFileSync(join(root, 'etc/postfix/main.cf'), mainCf);
      const out: string[] = [];
      await status({ env: { HOSTNAME: 'test-cli.example.com' }, out: (l) => out.push(l), err: () => {} }, root);
      return out.filter((l) => l.startsWith('delivery: '));
    };
    assert.deepEqual(await run('myorigin = $mydomain\nvirtual_mailbox_domains =\nvirtual_transport = virtual\n'), [
      'delivery: relay only (no mailbox source; MAIL_BOXES, LDAP_QUERY_FILTER_USER, MYSQL_QUERY_USER or the other LDAP/MySQL lookups configure mailboxes)',
    ]);
    assert.deepEqual(await run('virtual_mailbox_domains = example.com\n  my-domain.org\n'), [
      'delivery: mailboxes for example.com my-domain.org',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('status shows the bus without the credentials inside NATS_URL', async () => {
  const out: string[] = [];
  const env = { HOSTNAME: 'mx.example.com', NATS_URL: 'nats://mx1:bus-pw-991@nats1:4222,nats://t0ken-xyz@nats2:4222' };
  await status({ env, out: (l) => out.push(l), err: () => {} }, '/nonexistent-root');
  assert.ok(out.includes('bus: nats://[redacted]@nats1:4222,nats://[redacted]@nats2:4222'), out.join('\n'));
  assert.ok(!out.join('\n').includes('bus-pw-991') && !out.join('\n').includes('t0ken-xyz'));
});
