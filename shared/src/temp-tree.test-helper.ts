import { mkdirSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

// A fresh directory under the system's temp dir for the tests of one file (tests only), made at once with the
// named subdirectories in it, and removed after the file's tests.
export function tempTree(prefix: string, ...subdirs: string[]): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const d of subdirs) mkdirSync(join(root, d));
  after(() => rm(root, { recursive: true, force: true }));
  return root;
}
