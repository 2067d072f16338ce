import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { KeyInfoCache } from './keycache.ts';
import { inspectKey } from './keyinfo.ts';

let dir: string;
const pem = () => String(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs1' }));
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mta-keycache-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('an unchanged key comes from the saved cache without being read; a changed one is parsed again', async () => {
  const key = join(dir, 'a.pem');
  const cacheFile = join(dir, 'cache.json');
  const first = pem();
  await writeFile(key, first);
  const c1 = await KeyInfoCache.open(cacheFile);
  const r1 = await c1.inspect(key);
  assert.ok(r1?.content && r1.result.ok);
  await c1.save([key]);

  const c2 = await KeyInfoCache.open(cacheFile);
  const r2 = await c2.inspect(key);
  assert.equal(r2?.content, undefined, 'served from the cache');
  assert.deepEqual(r2?.result, r1.result);

  // Same size and mtime put back (cp -p of another key of the same length): ctime still tells them apart.
  const before = await stat(key);
  let second = pem();
  while (second.length !== first.length) second = pem();
  await writeFile(key, second);
  await utimes(key, before.atime, before.mtime);
  const r3 = await c2.inspect(key);
  assert.ok(r3?.content, 'read again');
  assert.deepEqual(r3.result, inspectKey(second));
  assert.notDeepEqual(r3.result, r1.result);
});

test('broken, empty and vanished files are never cached; a corrupt cache file is an empty cache', async () => {
  const cacheFile = join(dir, 'corrupt.json');
  await writeFile(cacheFile, '{not json');
  const cache = await KeyInfoCache.open(cacheFile);
  const bad = join(dir, 'bad.pem');
  const empty = join(dir, 'empty.pem');
  await writeFile(bad, 'garbage');
  await writeFile(empty, '');
  assert.equal((await cache.inspect(bad))?.result.ok, false);
  assert.equal((await cache.inspect(empty))?.size, 0);
  assert.equal(await cache.inspect(join(dir, 'missing.pem')), undefined);
  const good = join(dir, 'good.pem');
  await writeFile(good, pem());
  await cache.inspect(good);
  await cache.save([bad, empty]);
  assert.deepEqual(JSON.parse(await readFile(cacheFile, 'utf8')), {}, 'only valid keys that still exist are kept');
  assert.equal((await stat(cacheFile)).mode & 0o777, 0o600);
});
