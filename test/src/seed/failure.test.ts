import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderers } from '@mta/seed/renderers';
import { runSeed } from '@mta/seed/run';
import { memoryLogger, prepareSeedRoot, testInstanceEnv } from '../harness/seeded-postfix.ts';
import { tempRoot } from '../harness/tmp.ts';

// What is about no variable (postfix refusing the whole configuration, a renderer that throws) is the result's
// failure; the errors list only variables.
async function seed(env: Record<string, string>, list = renderers) {
  const t = await tempRoot('mta-seed-failure-');
  try {
    prepareSeedRoot(t.dir);
    return await runSeed({
      env: { ...testInstanceEnv(t.dir), ...env },
      root: t.dir,
      variant: 'mini',
      log: memoryLogger([]),
      renderers: list,
    });
  } finally {
    await t.cleanup();
  }
}

test('postfix refusing a passed-through parameter is the failure, not an issue of a variable named postfix', async () => {
  const r = await seed({ MAIL_DOMAIN: 'example.com', DEFAULT_PROCESS_LIMIT: 'lots' });
  assert.equal(r.status, 'invalid');
  assert.deepEqual(r.errors, []);
  assert.match(r.failure ?? '', /^configuration rejected by postfix: .*default_process_limit/);
});

test('a renderer that throws is the failure, named after the renderer', async () => {
  const broken = () => {
    throw new Error('boom');
  };
  const r = await seed({ MAIL_DOMAIN: 'example.com' }, [...renderers, broken]);
  assert.equal(r.status, 'invalid');
  assert.deepEqual(r.errors, []);
  assert.equal(r.failure, 'broken cannot render: boom');
});
