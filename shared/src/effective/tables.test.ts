import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parseEnv } from '../env/parse.ts';
import type { Config } from '../env/schema.ts';
import type { RawEnv } from '../env/spec.ts';
import { tempTree } from '../temp-tree.test-helper.ts';
import { buildEffective, seededTables } from './build.ts';
import { effectiveConfig, notApplied } from './overlay.ts';
import { readEffectiveTables, stageEffectiveTables, type TableValues, tableDigests, tablesText, writeEffectiveTables } from './tables.ts';

// The text the tables file gets, and the digests made on the way.
const written = (values: TableValues) => {
  const t = tablesText(values);
  return { text: [...t.pieces].join(''), done: t.done() };
};

const config = (env: RawEnv): Config => {
  const r = parseEnv({ HOSTNAME: 'mx.a.test', MAIL_DOMAIN: 'a.test', ...env });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
};
const seeded = { MAIL_BOXES: 'info@a.test bob@a.test', MAIL_ALIASES: 'root:info' };
const build = (c: Config) => buildEffective({ config: c, variant: 'full', root: '/r', now: new Date(0), source: 'seeding' });

test('mailboxes and aliases are named by digest in the effective configuration, not held in it', () => {
  const e = build(config(seeded));
  assert.equal(e.config.MAIL_BOXES, undefined);
  assert.equal(e.config.MAIL_ALIASES, undefined);
  assert.deepEqual(e.tables?.MAIL_BOXES?.entries, 2);
  assert.match(e.tables?.MAIL_ALIASES?.sha256 ?? '', /^[0-9a-f]{64}$/);
  assert.doesNotMatch(JSON.stringify(e), /bob@a\.test/);
  assert.deepEqual(e.config.MAIL_DOMAIN, ['a.test'], 'every other seeded value stays inline');
});

test('a changed mailbox list is reported as not applied by its digest; the same list is not', () => {
  const e = build(config(seeded));
  assert.deepEqual(notApplied(config(seeded), e), []);
  assert.deepEqual(notApplied(config({ ...seeded, MAIL_BOXES: 'info@a.test' }), e), ['MAIL_BOXES']);
  assert.deepEqual(notApplied(config({ ...seeded, MAIL_ALIASES: '' }), e), ['MAIL_ALIASES']);
});

test('a list parsed an entry at a time has the digest and JSON of the same list as an array (files seeded before)', () => {
  const c = config(seeded);
  const arrays = { MAIL_BOXES: [...c.MAIL_BOXES], MAIL_ALIASES: [...c.MAIL_ALIASES] };
  const [parsed, plain] = [written(seededTables(c)), written(arrays)];
  assert.deepEqual(parsed, plain);
  assert.equal(plain.text, `${JSON.stringify(arrays)}\n`);
  assert.deepEqual(tableDigests(arrays), plain.done);
  assert.equal(written({ MAIL_BOXES: [] }).text, '{"MAIL_BOXES":[]}\n');
  assert.equal(written({}).text, '{}\n');
  const long = written({ MAIL_BOXES: Array.from({ length: 5000 }, (_, i) => ({ address: `u${i}@a.test` })) });
  assert.equal(long.done.sha256, createHash('sha256').update(long.text).digest('hex'));
  assert.throws(() => tablesText({}).done(), /before every piece/);
});

test('the seeded lists reach a process only from the tables file; a file that holds them inline still works', () => {
  const c = config(seeded);
  const e = build(c);
  const now = config({ MAIL_BOXES: 'eve@a.test' });
  const values = seededTables(c);
  assert.deepEqual(effectiveConfig(now, e, values).MAIL_BOXES, c.MAIL_BOXES);
  assert.deepEqual(effectiveConfig(now, e).MAIL_BOXES, now.MAIL_BOXES, 'not read: this start value, never a guess');
  const inline = { ...e, tables: undefined, config: { ...e.config, MAIL_BOXES: c.MAIL_BOXES, MAIL_ALIASES: c.MAIL_ALIASES } };
  assert.deepEqual(effectiveConfig(now, inline).MAIL_BOXES, c.MAIL_BOXES);
  assert.deepEqual(notApplied(now, inline).sort(), ['MAIL_ALIASES', 'MAIL_BOXES']);
});

test('the tables file: root only, rewritten only when it changes, and a foreign file is an error naming it', async () => {
  const dir = tempTree('mta-tables-');
  const path = join(dir, 'srv/etc/mta/effective-tables.json');
  assert.deepEqual(await readEffectiveTables(path), {});
  const values = seededTables(config(seeded));
  const first = await writeEffectiveTables(path, values);
  assert.deepEqual(first, { written: true, digests: build(config(seeded)).tables });
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const mtime = (await stat(path)).mtimeMs;
  assert.deepEqual(await writeEffectiveTables(path, values), { ...first, written: false });
  assert.equal((await stat(path)).mtimeMs, mtime);
  assert.deepEqual(await readdir(dirname(path)), ['effective-tables.json'], 'the unchanged text dropped');
  assert.deepEqual(await readEffectiveTables(path), JSON.parse(written(values).text));
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')).MAIL_ALIASES, [{ alias: 'root', targets: ['info'] }]);
  await writeFile(path, '{"MAIL_BOXES":{}}');
  await assert.rejects(readEffectiveTables(path), (e: Error) => e.message.startsWith(`${path}: MAIL_BOXES is not a list`));
  await writeFile(path, '{"SMTP_RELAY_HOSTAUTH":[]}');
  await assert.rejects(readEffectiveTables(path), (e: Error) => e.message.includes('unknown member SMTP_RELAY_HOSTAUTH'));
  await writeFile(path, '[');
  await assert.rejects(readEffectiveTables(path), (e: Error) => e.message.startsWith(`${path}: not JSON`));
});

test('the tables file made ahead: in place only on commit, nothing left when the seeding is refused', async () => {
  const dir = tempTree('mta-tables-');
  const path = join(dir, 'srv/etc/mta/effective-tables.json');
  const values = seededTables(config(seeded));
  const refused = await stageEffectiveTables(path, values);
  assert.equal(refused.written, true);
  await refused.discard();
  assert.deepEqual(await readdir(dirname(path)), [], 'the refused seeding left no file');
  const accepted = await stageEffectiveTables(path, values);
  assert.deepEqual(await readEffectiveTables(path), {}, 'not in place before commit');
  await accepted.commit();
  assert.deepEqual(await readFile(path, 'utf8'), written(values).text);
  assert.deepEqual(accepted.digests, build(config(seeded)).tables);
  const unchanged = await stageEffectiveTables(path, values);
  assert.equal(unchanged.written, false);
  await unchanged.commit();
  assert.deepEqual(await readdir(dirname(path)), ['effective-tables.json']);
});
