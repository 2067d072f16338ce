import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { cycles, importGraph, importSpecifiers, workspaceOf } from './import-graph.ts';

const REPO = join(import.meta.dirname, '..', '..');
// Workspace packages and the @mta/* packages each depends on (dev dependencies included).
const graph = (): Map<string, string[]> => new Map(importGraph(REPO).workspaces.map((w) => [w.name, w.deps]));

test('no workspace depends on itself through others; shared on none, each sidecar on shared alone', () => {
  const g = graph();
  const cycles: string[] = [];
  const walk = (name: string, path: string[]) => {
    if (path.includes(name)) return void cycles.push([...path, name].join(' -> '));
    for (const d of g.get(name) ?? []) walk(d, [...path, name]);
  };
  for (const name of g.keys()) walk(name, []);
  assert.deepEqual(cycles, []);
  const sidecars = importGraph(REPO).workspaces.filter((w) => w.dir.startsWith('sidecars/'));
  assert.ok(sidecars.length >= 7, 'the sidecars are found');
  assert.deepEqual(g.get('@mta/shared'), []);
  for (const { name, deps } of sidecars) assert.deepEqual(deps, ['@mta/shared'], `${name} depends on ${deps.join(', ')}`);
});

test('no source file imports itself through others', () => {
  assert.deepEqual(cycles(importGraph(REPO)), []);
});

// A workspace's files reach another workspace only by its package name and only if they declare it as a dependency,
// so the acyclic package graph above is the whole truth; nothing in a workspace imports the build scripts.
test('imports across workspaces follow the declared dependencies: no back-arrows, no paths into other workspaces', () => {
  const g = importGraph(REPO);
  const arrows: string[] = [];
  for (const [file, imports] of g.imports) {
    const from = workspaceOf(g, file);
    if (!from) continue;
    for (const { spec, file: target } of imports) {
      if (target === undefined) {
        if (spec.startsWith('.') || spec.startsWith('@mta/')) arrows.push(`${file}: ${spec} (unresolved)`);
        continue;
      }
      const to = workspaceOf(g, target);
      if (to === from) continue;
      if (!to || spec.startsWith('.') || !from.deps.includes(to.name)) arrows.push(`${file} -> ${spec}`);
    }
  }
  assert.deepEqual(arrows, []);
});

test('the import scanner sees static, type-only, re-export and dynamic imports, not commented ones', () => {
  const src = [
    "import a from './a.ts';",
    "import type { B } from './b.ts';",
    "import {\n  c,\n  d,\n} from './c.ts';",
    "export * from './e.ts';",
    "export { f } from './f.ts';",
    "const g = await import('./g.ts');",
    "import './h.ts';",
    "// import x from './x.ts';",
    "/* import y from './y.ts'; */",
  ].join('\n');
  assert.deepEqual(importSpecifiers(src), ['./a.ts', './b.ts', './c.ts', './e.ts', './f.ts', './g.ts', './h.ts']);
});
