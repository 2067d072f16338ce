import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import { writeTable } from './postfix-table.ts';

const dir = mkdtempSync(join(tmpdir(), 'mta-table-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// postmap needs a main.cf with the install parameters the proto leaves empty.
writeFileSync(join(dir, 'main.cf'), 'compatibility_level = 3.7\nsetgid_group = postdrop\nmail_owner = postfix\n');
const past = new Date(Date.now() - 60_000);
utimesSync(join(dir, 'main.cf'), past, past);
const query = (key: string, map: string, ...flags: string[]) =>
  execFileSync('postmap', ['-c', dir, ...flags, '-q', key, map], { encoding: 'utf8' }).trim();

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
  assert.equal(query('a@x.test', `hash:${t.path}`), 'a@x.test');
  assert.equal(statSync(`${t.path}.db`).mode & 0o777, 0o640);
  const m = statSync(`${t.path}.db`).mtimeMs;
  assert.equal(await writeTable(t), false);
  assert.equal(statSync(`${t.path}.db`).mtimeMs, m);
  assert.equal(await writeTable({ ...t, content: Buffer.from('b@x.test\tb@x.test\n') }), true);
  assert.equal(query('b@x.test', `hash:${t.path}`), 'b@x.test');
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('seed-tmp')),
    [],
  );
});

test('writeTable -F stores the named file in a private index, rebuilt as a new file (not rewritten in place)', async () => {
  const secret = join(dir, 'secret.pem');
  writeFileSync(secret, 'first\n', { mode: 0o600 });
  const t = { path: join(dir, 'sni'), content: `mx.x.test ${secret}\n`, type: 'hash', mode: 0o600, configDir: dir, rhsIsFile: true };
  assert.equal(await writeTable(t), true);
  const db = `${t.path}.db`;
  assert.equal(statSync(db).mode & 0o777, 0o600);
  assert.equal(query('mx.x.test', `hash:${t.path}`, '-F'), 'first');
  const before = statSync(db).ino;
  writeFileSync(secret, 'second\n');
  // Same source text: the caller decides when the named files changed (a digest line in the source).
  assert.equal(await writeTable(t), false);
  assert.equal(await writeTable({ ...t, content: `# v2\n${t.content}` }), true);
  assert.equal(query('mx.x.test', `hash:${t.path}`, '-F'), 'second');
  assert.notEqual(statSync(db).ino, before, 'a new file, not the old one rewritten in place');
});

test('writeTable with syncDir: false leaves the directory fsync to the caller (one per batch)', async () => {
  const probe = await open(dir, 'r');
  const sync = mock.method(Object.getPrototypeOf(probe), 'sync');
  await probe.close();
  try {
    const t = { path: join(dir, 'batch'), content: 'k\tv\n', type: 'hash', mode: 0o644, configDir: dir };
    assert.equal(await writeTable(t), true);
    assert.equal(sync.mock.callCount(), 3, 'the source, the index, then the directory');
    sync.mock.resetCalls();
    assert.equal(await writeTable({ ...t, content: 'k\tw\n', syncDir: false }), true);
    assert.equal(sync.mock.callCount(), 2, 'the source and the index only');
    assert.equal(query('k', `hash:${t.path}`), 'w');
  } finally {
    sync.mock.restore();
  }
});
