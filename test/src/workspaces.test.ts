import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const REPO = join(import.meta.dirname, '..', '..');
const json = (p: string) => JSON.parse(readFileSync(join(REPO, p), 'utf8'));

// Workspace packages and the @mta/* packages each depends on (dev dependencies included).
function graph(): Map<string, string[]> {
  const dirs = (json('package.json').workspaces as string[]).flatMap((w) => globSync(w, { cwd: REPO }));
  const out = new Map<string, string[]>();
  for (const d of dirs) {
    const pkg = json(join(d, 'package.json'));
    const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => n.startsWith('@mta/'));
    out.set(pkg.name, deps);
  }
  return out;
}

test('no workspace depends on itself through others; the product packages never on the tests or the CLI', () => {
  const g = graph();
  const cycles: string[] = [];
  const walk = (name: string, path: string[]) => {
    if (path.includes(name)) return void cycles.push([...path, name].join(' -> '));
    for (const d of g.get(name) ?? []) walk(d, [...path, name]);
  };
  for (const name of g.keys()) walk(name, []);
  assert.deepEqual(cycles, []);
  for (const [name, deps] of g)
    if (name === '@mta/shared' || ['@mta/seed', '@mta/dkim-keys', '@mta/acme-watch', '@mta/spamd-learn'].includes(name))
      assert.deepEqual(
        deps.filter((d) => ['@mta/test', '@mta/cli', '@mta/bench'].includes(d)),
        [],
        `${name} depends on test, cli or bench code`,
      );
});
