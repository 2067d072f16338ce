import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { followLogDir } from './follow.ts';

test('follows current across svlogd rotations, from its end, without losing or repeating a line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mta-follow-'));
  const ac = new AbortController();
  try {
    writeFileSync(join(dir, 'current'), 'old 1\nold 2\n');
    const seen: string[] = [];
    const f = followLogDir(dir, { signal: ac.signal, onLine: (l) => seen.push(l), pollMs: 50 });
    await f.ready;
    appendFileSync(join(dir, 'current'), 'a\nb');
    await f.poll();
    appendFileSync(join(dir, 'current'), 'c\nd\n');
    // rotation: the tail of the old file is written, then it is renamed and a new current begins
    renameSync(join(dir, 'current'), join(dir, '@4000.s'));
    writeFileSync(join(dir, 'current'), 'e\n');
    await f.poll();
    appendFileSync(join(dir, 'current'), 'f\n');
    for (let i = 0; i < 50 && seen.length < 5; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen, ['a', 'bc', 'd', 'e', 'f']);
  } finally {
    ac.abort();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a directory that appears later is followed from its first line', async () => {
  const base = mkdtempSync(join(tmpdir(), 'mta-follow-'));
  const dir = join(base, 'late');
  const ac = new AbortController();
  try {
    const seen: string[] = [];
    const f = followLogDir(dir, { signal: ac.signal, onLine: (l) => seen.push(l), pollMs: 20 });
    await f.ready;
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    writeFileSync(join(dir, 'current'), 'first\n');
    for (let i = 0; i < 100 && !seen.length; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen, ['first']);
  } finally {
    ac.abort();
    rmSync(base, { recursive: true, force: true });
  }
});

// A line whose start was lost must never be read from its middle: that text is whatever a client put there.
test('a line split by rotation is joined; an overlong line and one begun before following started are dropped whole', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mta-follow-'));
  const ac = new AbortController();
  const fake = 'Dec 01 13:46:11 mx postfix/smtpd[1]: warning: Connection rate limit exceeded: 9 from x[198.51.100.77] for service smtp';
  try {
    writeFileSync(join(dir, 'current'), `done\nhalf a line, then ${fake}`);
    const seen: string[] = [];
    const f = followLogDir(dir, { signal: ac.signal, onLine: (l) => seen.push(l), pollMs: 50 });
    await f.ready;
    appendFileSync(join(dir, 'current'), ` still the same line\nfirst\nstart of a long one ${'x'.repeat(70 * 1024)}`);
    await f.poll();
    appendFileSync(join(dir, 'current'), `${'y'.repeat(20 * 1024)}\n${fake}\nsecond\nsplit by rot`);
    await f.poll();
    renameSync(join(dir, 'current'), join(dir, '@4000.s'));
    writeFileSync(join(dir, 'current'), `ation ${fake}\nthird\n`);
    await f.poll();
    assert.deepEqual(seen, ['first', fake, 'second', `split by rotation ${fake}`, 'third']);
  } finally {
    ac.abort();
    rmSync(dir, { recursive: true, force: true });
  }
});
