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
    assert.deepEqual(out, ['variant: base', 'node: mx.example.com', 'domains: example.com', 'seeding: pending (unlock file present)']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
