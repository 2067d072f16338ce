import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { removeStaleTemps } from './stale.ts';
import { writeTable } from './table.ts';

const dir = mkdtempSync(join(tmpdir(), 'mta-seed-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// postmap needs a main.cf with the install parameters the proto leaves empty.
writeFileSync(join(dir, 'main.cf'), 'compatibility_level = 3.7\nsetgid_group = postdrop\nmail_owner = postfix\n');
const past = new Date(Date.now() - 60_000);
utimesSync(join(dir, 'main.cf'), past, past);

test('writeTable builds the index under a temp name, then leaves an unchanged table alone', async () => {
  const t = {
    path: join(dir, 'boxes'),
    content: Buffer.from('a@x.test\ta@x.test\n'),
    type: 'hash',
    mode: 0o640,
    uid: 0,
    gid: 0,
    configDir: dir,
  };
  assert.equal(await writeTable(t), true);
  assert.equal(execFileSync('postmap', ['-c', dir, '-q', 'a@x.test', `hash:${t.path}`], { encoding: 'utf8' }).trim(), 'a@x.test');
  assert.equal(statSync(`${t.path}.db`).mode & 0o777, 0o640);
  const m = statSync(`${t.path}.db`).mtimeMs;
  assert.equal(await writeTable(t), false);
  assert.equal(statSync(`${t.path}.db`).mtimeMs, m);
  assert.equal(await writeTable({ ...t, content: Buffer.from('b@x.test\tb@x.test\n') }), true);
  assert.equal(execFileSync('postmap', ['-c', dir, '-q', 'b@x.test', `hash:${t.path}`], { encoding: 'utf8' }).trim(), 'b@x.test');
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('seed-tmp')),
    [],
  );
});

test('removeStaleTemps deletes what an interrupted run left, nothing else', async () => {
  for (const f of ['main.cf.123456', '.main.cf.mta-tmp-12-3', '.boxes.seed-tmp', '.boxes.seed-tmp.db', 'main.cf.bak', 'other.1'])
    writeFileSync(join(dir, f), '');
  const removed = await removeStaleTemps([join(dir, 'main.cf'), join(dir, 'boxes')]);
  assert.deepEqual(removed.map((p) => p.slice(dir.length + 1)).sort(), [
    '.boxes.seed-tmp',
    '.boxes.seed-tmp.db',
    '.main.cf.mta-tmp-12-3',
    'main.cf.123456',
  ]);
  assert.ok(readdirSync(dir).includes('main.cf.bak') && readdirSync(dir).includes('other.1'));
});
