import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile()) yield p;
  }
}

// Every secret must be absent from the given logs and from every file under root that others may read.
export function assertNoSecretsLeaked(root: string, secrets: readonly string[], logs: readonly string[]): void {
  for (const [i, log] of logs.entries()) for (const s of secrets) assert.ok(!log.includes(s), `log #${i} contains a secret`);
  let checked = 0;
  for (const f of files(join(root, 'etc'))) {
    if ((statSync(f).mode & 0o004) === 0) continue;
    const text = readFileSync(f, 'latin1');
    for (const s of secrets) assert.ok(!text.includes(s), `${f} is world-readable and contains a secret`);
    checked++;
  }
  assert.ok(checked > 0, 'no world-readable config files found (wrong root?)');
}
