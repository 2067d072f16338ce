import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mtaPaths, parseEnv, readStartPlan } from '@mta/shared';
import { runStartStep } from './start-step.ts';

test('the first plan of a start decides seeding; the plan after seeding keeps it and sees what seeding wired', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mta-start-step-'));
  try {
    const paths = mtaPaths(root);
    const env = { HOSTNAME: 'mx.a.test', MTA_ROOT: root };
    const step = (first: boolean) => runStartStep({ env, root, variant: 'mini', first, parsed: parseEnv(env) });
    mkdirSync(paths.srvEtc, { recursive: true });
    writeFileSync(join(paths.srvEtc, '.docker.unlock'), '');
    const first = await step(true);
    assert.equal(first.seeding, true);
    assert.ok(!first.services.includes('haproxy'));
    // Seeding: the unlock file goes, the PROXY gate is rendered.
    rmSync(join(paths.srvEtc, '.docker.unlock'));
    mkdirSync(join(root, 'etc/haproxy'), { recursive: true });
    writeFileSync(paths.haproxyConf, '');
    const again = await step(false);
    assert.equal(again.seeding, true, 'still a seeding start (dkim-keys --once reads it)');
    assert.ok(again.services.includes('haproxy'));
    assert.deepEqual(await readStartPlan(paths.startPlan), again);
    assert.match(readFileSync(paths.startEnv, 'utf8'), /^MTA_HAPROXY_CONF='.*\/etc\/haproxy\/mta\.cfg'$/m);
    // The next container start: decided anew.
    assert.equal((await step(true)).seeding, false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
