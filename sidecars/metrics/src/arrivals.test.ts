import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import test from 'node:test';
import { Arrivals } from './arrivals.ts';

// The listing of these files, one directory each (as the queue scan groups them).
const listed = (...paths: string[]) => paths.map((p) => ({ dir: dirname(p), names: [basename(p)] }));

const rec = (type: string, data: string) => Buffer.concat([Buffer.from(type), Buffer.from([data.length]), Buffer.from(data)]);
const queued = (path: string, atMs: number) => writeFileSync(path, rec('T', `${atMs / 1000} 0`));
const t = Date.parse('2026-01-01T12:00:00Z');

// A test body in a fresh temp dir, removed after.
async function inTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mta-arrivals-'));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the oldest arrival is checked against the file now under its name; files seen before are not read again', () =>
  inTempDir(async (dir) => {
    const [a, b, c] = ['A1', 'B1', 'C1'].map((n) => join(dir, n)) as [string, string, string];
    queued(a, t - 3_600_000);
    queued(b, t - 600_000);
    const arrivals = new Arrivals();
    assert.equal(await arrivals.oldest(listed(a, b)), t - 3_600_000);

    // B1's content changes in place (same inode): a file seen before is not read again, so the earlier arrival stays.
    queued(b, t - 60_000);
    assert.equal(await arrivals.oldest(listed(a, b)), t - 3_600_000);

    // A1 is delivered and a new message gets its name (a new inode): the oldest is read again, not taken from memory.
    const fresh = join(dir, 'fresh');
    queued(fresh, t - 1_000);
    const before = statSync(a).ino;
    renameSync(fresh, a);
    assert.notEqual(statSync(a).ino, before);
    assert.equal(await arrivals.oldest(listed(a, b)), t - 600_000);

    // Gone from the listing: forgotten; a file that vanished between listing and reading counts for nothing.
    queued(c, t - 7_200_000);
    assert.equal(await arrivals.oldest(listed(a, b, c)), t - 7_200_000);
    rmSync(c);
    assert.equal(await arrivals.oldest(listed(a, b, c)), t - 600_000);
    assert.equal(await arrivals.oldest(listed()), undefined);
  }));

test('a link, a hard link or a FIFO the postfix uid plants in the queue is not read (no hang, no arrival from elsewhere)', () =>
  inTempDir(async (dir) => {
    const outside = join(dir, 'outside');
    queued(outside, t - 86_400_000);
    const [real, sym, hard, fifo] = ['R1', 'S1', 'H1', 'F1'].map((n) => join(dir, n)) as [string, string, string, string];
    queued(real, t - 600_000);
    symlinkSync(outside, sym);
    linkSync(outside, hard);
    execFileSync('mkfifo', [fifo]);
    const arrivals = new Arrivals();
    assert.equal(await arrivals.oldest(listed(real, sym, hard, fifo)), t - 600_000);
  }));

test('the same name in two directories is two files', () =>
  inTempDir(async (dir) => {
    mkdirSync(join(dir, 'A'));
    mkdirSync(join(dir, 'B'));
    queued(join(dir, 'A', 'Q1'), t - 600_000);
    queued(join(dir, 'B', 'Q1'), t - 3_600_000);
    const arrivals = new Arrivals();
    assert.equal(await arrivals.oldest(listed(join(dir, 'A', 'Q1'), join(dir, 'B', 'Q1'))), t - 3_600_000);
    assert.equal(await arrivals.oldest(listed(join(dir, 'A', 'Q1'))), t - 600_000);
  }));
