import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DkimCore } from '@mta/dkim-keys/core';
import { syncKeys } from '@mta/dkim-keys/sync';
import { createLogger, mtaPaths, RefusedPaths } from '@mta/shared';
import { tempRoot } from '../harness/index.ts';

let root: { dir: string; cleanup: () => Promise<void> };
let core: DkimCore;
const events: { subject: string; data: Record<string, unknown> }[] = [];
let reloads = 0;
const pem = () => String(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
const snippet = () => readFile(core.snippetPath, 'utf8');

before(async () => {
  root = await tempRoot('mta-dkim-sync-');
  const paths = mtaPaths(root.dir);
  await mkdir(paths.dkim, { recursive: true });
  core = {
    dir: paths.dkim,
    snippetPath: paths.amavisDkim,
    selector: 'default',
    owner: undefined,
    log: createLogger({ sidecar: 'test', node: 'test', syslogLevel: 2 }),
    publish: (subject, data) => void events.push({ subject, data }),
    reload: async () => void reloads++,
    known: new Map(),
    refused: new RefusedPaths(createLogger({ sidecar: 'test', node: 'test', syslogLevel: 2 }), 'dkim-keys'),
  };
});
after(() => root.cleanup());

test('an empty file is waited for, not rejected; once written it is announced and loaded', async () => {
  const file = join(core.dir, 'e.test.default.privkey.pem');
  await writeFile(file, '');
  await syncKeys(core, { announce: true });
  assert.equal(events.length, 0);
  assert.doesNotMatch(await snippet(), /e\.test/);
  await writeFile(file, pem());
  await syncKeys(core, { announce: true });
  assert.deepEqual(
    events.map((e) => `${e.subject} ${e.data.domain}`),
    ['mta.dkim.key.imported e.test'],
  );
  assert.match(await snippet(), /dkim_key\('e\.test', 'default'/);
});

test('a broken file is rejected once; the snippet and amavis are left alone when nothing changed', async () => {
  events.length = 0;
  const before = reloads;
  await writeFile(join(core.dir, 'f.test.default.privkey.pem'), 'garbage');
  await writeFile(join(core.dir, 'Not_A_Domain.privkey.pem'), pem());
  await syncKeys(core, { announce: true });
  await syncKeys(core, { announce: true });
  assert.deepEqual(events.map((e) => `${e.subject} ${String(e.data.file).split('/').pop()}`).sort(), [
    'mta.dkim.key.rejected Not_A_Domain.privkey.pem',
    'mta.dkim.key.rejected f.test.default.privkey.pem',
  ]);
  assert.equal(reloads, before, 'amavis reloaded although its config did not change');
  assert.doesNotMatch(await snippet(), /f\.test|Not_A_Domain/);
});

test('a removed key leaves the snippet and amavis is reloaded', async () => {
  const before = reloads;
  await rm(join(core.dir, 'e.test.default.privkey.pem'));
  const r = await syncKeys(core, { announce: true });
  assert.equal(r.snippetChanged, true);
  assert.equal(reloads, before + 1);
  assert.doesNotMatch(await snippet(), /e\.test/);
});
