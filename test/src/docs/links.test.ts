import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fencedBlocks } from './md-blocks.ts';

const DOCS = join(import.meta.dirname, '..', '..', '..', 'docs');
const pages = () => (readdirSync(DOCS) as string[]).filter((f) => f.endsWith('.md')).sort();
// Reference and generated pages; every other page is a task page and must show a compose file.
const NOT_TASK_PAGES = new Set([
  'configuration.md',
  'benchmarks.md',
  'internals.md',
  'filter-internals.md',
  'image.md',
  'trixie-inventory.md',
]);

test('every relative link between docs pages points to an existing page', () => {
  const broken = pages().flatMap((f) =>
    [...readFileSync(join(DOCS, f), 'utf8').matchAll(/\]\(([^)#:]+\.md)(#[^)]*)?\)/g)]
      .map((m) => m[1] ?? '')
      .filter((target) => !existsSync(join(DOCS, target)))
      .map((target) => `${f} -> ${target}`),
  );
  assert.deepEqual(broken, []);
});

test('every task page has a compose snippet', () => {
  const missing = pages().filter(
    (f) => !NOT_TASK_PAGES.has(f) && !fencedBlocks(readFileSync(join(DOCS, f), 'utf8')).some((b) => b.lang === 'yaml'),
  );
  assert.deepEqual(missing, []);
});
