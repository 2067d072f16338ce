import assert from 'node:assert/strict';
import { chownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BOOKWORM_IDS, idRemap, parseIdTable, remapOwners } from './owners.ts';

// trixie's full image, as /etc/passwd and /etc/group list them (the accounts whose numbers moved).
const TRIXIE = parseIdTable(
  'root:x:0:0::/root:/bin/bash\npostfix:x:103:104::/var/spool/postfix:/usr/sbin/nologin\namavis:x:994:994::/var/lib/amavis:/bin/sh\nclamav:x:995:995::/var/lib/clamav:/bin/false\nvmail:x:5000:5000::/var/mail:/usr/sbin/nologin\nnobody:x:65534:65534::/:/bin/false\n',
  'root:x:0:\npostfix:x:104:\npostdrop:x:105:\namavis:x:994:\nclamav:x:995:\nvmail:x:5000:\n',
);

test('the system accounts from 100 up, by name', () => {
  assert.deepEqual(TRIXIE.users, { postfix: 103, amavis: 994, clamav: 995, vmail: 5000 });
  assert.deepEqual(TRIXIE.groups, { postfix: 104, postdrop: 105, amavis: 994, clamav: 995, vmail: 5000 });
});

test("bookworm -> trixie: each account's old number maps to its new one, swaps included; unchanged ones are left out", () => {
  const r = idRemap(BOOKWORM_IDS, TRIXIE);
  assert.deepEqual([...r.uid].sort(), [
    [106, 995],
    [995, 994],
  ]);
  assert.deepEqual([...r.gid].sort(), [
    [105, 104],
    [106, 105],
    [110, 995],
    [995, 994],
  ]);
  assert.deepEqual(idRemap(TRIXIE, TRIXIE), { uid: new Map(), gid: new Map() });
});

test('remapOwners re-owns in one pass (amavis 995 -> 994 while clamav 106 -> 995), symlinks themselves, and counts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mta-owners-'));
  try {
    mkdirSync(join(dir, 'amavis'));
    writeFileSync(join(dir, 'amavis', 'bayes_toks'), '');
    writeFileSync(join(dir, 'clamd.db'), '');
    writeFileSync(join(dir, 'mail'), '');
    symlinkSync('/nonexistent', join(dir, 'link'));
    chownSync(join(dir, 'amavis'), 995, 995);
    chownSync(join(dir, 'amavis', 'bayes_toks'), 995, 995);
    chownSync(join(dir, 'clamd.db'), 106, 110);
    chownSync(join(dir, 'mail'), 5000, 5000);
    const r = await remapOwners(dir, idRemap(BOOKWORM_IDS, TRIXIE));
    const ids = (p: string) => [lstatSync(join(dir, p)).uid, lstatSync(join(dir, p)).gid];
    assert.deepEqual(ids('amavis'), [994, 994]);
    assert.deepEqual(ids('amavis/bayes_toks'), [994, 994]);
    assert.deepEqual(ids('clamd.db'), [995, 995]);
    assert.deepEqual(ids('mail'), [5000, 5000]);
    assert.deepEqual(r, { changed: 3, refused: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
