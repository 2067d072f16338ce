import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectVariant } from './variant.ts';

test('variant: the image marker wins, else installed daemons decide', () => {
  const root = mkdtempSync(join(tmpdir(), 'mta-variant-'));
  try {
    const touch = (p: string, text = '') => {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), text);
    };
    assert.equal(detectVariant(root), 'mini');
    touch('usr/sbin/dovecot');
    assert.equal(detectVariant(root), 'base');
    touch('usr/sbin/amavisd');
    assert.equal(detectVariant(root), 'full');
    touch('usr/share/mta/variant', 'base\n');
    assert.equal(detectVariant(root), 'base');
    touch('usr/share/mta/variant', 'bogus');
    assert.equal(detectVariant(root), 'full');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
