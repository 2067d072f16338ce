import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fencedBlocks } from './md-blocks.ts';

// The Debian release is named once, as `ARG DEBIAN_RELEASE` in the Dockerfile; docs/image.md shows that line. Every
// script and the test runner read it from there, so moving to the next release is a one-line change.
const REPO = join(import.meta.dirname, '..', '..', '..');
const read = (f: string) => readFileSync(join(REPO, f), 'utf8');
const RELEASES = /\b(buster|bullseye|bookworm|trixie|forky|duke)\b/;

test('the Dockerfile names the Debian release once, in ARG DEBIAN_RELEASE, and both bases follow it', () => {
  const dockerfile = read('Dockerfile');
  const args = [...dockerfile.matchAll(/^ARG DEBIAN_RELEASE=(\S+)$/gm)].map((m) => m[1]);
  assert.equal(args.length, 1, 'exactly one ARG DEBIAN_RELEASE=<release>');
  assert.match(args[0] ?? '', /^[a-z]+$/);
  assert.match(dockerfile, /^ARG DEBIAN_IMAGE=debian:\$\{DEBIAN_RELEASE\}-slim$/m);
  assert.match(dockerfile, /^ARG NODE_IMAGE=node:24-\$\{DEBIAN_RELEASE\}-slim$/m);
  const code = dockerfile.split('\n').filter((l) => !l.startsWith('#') && !l.startsWith('ARG DEBIAN_RELEASE='));
  assert.deepEqual(
    code.filter((l) => RELEASES.test(l)),
    [],
  );
});

test('docs/image.md shows the Dockerfile line with the same release', () => {
  const line = /^ARG DEBIAN_RELEASE=\S+$/m.exec(read('Dockerfile'))?.[0];
  const blocks = fencedBlocks(read('docs/image.md')).filter((b) => b.lang === 'dockerfile');
  assert.ok(
    blocks.some((b) => b.text.trim() === line),
    `docs/image.md needs a dockerfile block with "${line}"`,
  );
});

test('the scripts read the release instead of naming one', () => {
  const scripts = readdirSync(join(REPO, 'scripts')).map((f) => join('scripts', f));
  const named = [...scripts, '.ci/run'].flatMap((f) =>
    read(f)
      .split('\n')
      .map((l, i) => ({ where: `${f}:${i + 1}`, code: l.replace(/(^|\s)(#|\/\/).*$/, '') }))
      .filter(({ code }) => RELEASES.test(code))
      .map(({ where, code }) => `${where}: ${code.trim()}`),
  );
  assert.deepEqual(named, []);
});
