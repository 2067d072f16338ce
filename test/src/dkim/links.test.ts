import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chown, link, lstat, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DkimCore } from '@mta/dkim-keys/core';
import { syncKeys } from '@mta/dkim-keys/sync';
import { createLogger, mtaPaths, RefusedPaths } from '@mta/shared';
import { fileScope } from '../harness/index.ts';

const scope = fileScope();
const pem = () => String(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
const isRoot = process.getuid?.() === 0;

// The key dir belongs to amavis: a link or hard link planted there must never make root (dkim-keys) write, chmod or
// chown what it names. Stand-in targets sit outside the key dir; the legitimate key next to them is still used.
test('linked TXT and key files and a hard-linked key are refused and logged once; targets untouched; the real key signs', async () => {
  const root = await scope.dir('mta-dkim-links-');
  const paths = mtaPaths(root);
  const outside = join(root, 'outside');
  await mkdir(paths.dkim, { recursive: true });
  await mkdir(outside);
  const zone = join(outside, 'zone');
  const soft = join(outside, 'soft.pem');
  const hard = join(outside, 'hard.pem');
  await writeFile(zone, 'precious\n', { mode: 0o600 });
  await writeFile(soft, pem(), { mode: 0o600 });
  await writeFile(hard, pem(), { mode: 0o600 });
  // Owned by "someone else", so a chown through a link would show.
  if (isRoot) for (const f of [zone, soft, hard]) await chown(f, 4321, 4321);
  const before = async () => Promise.all([zone, soft, hard].map(async (f) => ({ f, text: await readFile(f, 'utf8'), st: await stat(f) })));
  const was = await before();

  await writeFile(join(paths.dkim, 'a.test.default.privkey.pem'), pem(), { mode: 0o600 });
  await symlink(zone, join(paths.dkim, 'a.test.default._domainkey.txt'));
  await symlink(soft, join(paths.dkim, 'b.test.default.privkey.pem'));
  await link(hard, join(paths.dkim, 'c.test.default.privkey.pem'));

  const lines: string[] = [];
  const log = createLogger({ sidecar: 'dkim-keys', node: 't', destination: { write: (s: string) => void lines.push(s) } });
  const core: DkimCore = {
    dir: paths.dkim,
    snippetPath: paths.amavisDkim,
    selector: 'default',
    owner: isRoot ? { uid: 0, gid: 0 } : undefined,
    log,
    reload: async () => undefined,
    known: new Map(),
    refused: new RefusedPaths(log, 'dkim-keys'),
  };
  await syncKeys(core, { announce: true });
  await syncKeys(core, { announce: true });

  for (const [i, now] of (await before()).entries()) {
    assert.equal(now.text, was[i]?.text, `${now.f} content`);
    assert.equal(now.st.mode, was[i]?.st.mode, `${now.f} mode`);
    assert.equal(now.st.uid, was[i]?.st.uid, `${now.f} owner`);
  }
  assert.ok(
    (await lstat(join(paths.dkim, 'a.test.default._domainkey.txt'))).isSymbolicLink(),
    'the planted TXT link was not written through',
  );
  const snippet = await readFile(paths.amavisDkim, 'utf8');
  assert.match(snippet, /dkim_key\('a\.test', 'default'/);
  assert.doesNotMatch(snippet, /b\.test|c\.test/);
  const refused = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'fs.refused');
  assert.deepEqual(refused.map((l) => `${String(l.path).split('/').pop()}: ${l.reason}`).sort(), [
    'a.test.default._domainkey.txt: it is a symbolic link',
    'b.test.default.privkey.pem: it is a symbolic link',
    'c.test.default.privkey.pem: it has 2 hard links',
  ]);
});
