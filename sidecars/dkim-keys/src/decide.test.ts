import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DecideInput, decideKey } from './decide.ts';

const missing = { state: 'missing' } as const;
const valid = (fingerprint: string) => ({ state: 'valid', fingerprint }) as const;
const broken = { state: 'invalid', reason: 'not a PEM private key' } as const;

test('without DKIM_PRIVATEKEY: keep a good file, generate when missing, never touch a broken one', () => {
  assert.deepEqual(decideKey({ existing: missing, seeding: true }), { action: 'generate' });
  assert.deepEqual(decideKey({ existing: valid('A'), seeding: true }), { action: 'keep' });
  assert.deepEqual(decideKey({ existing: broken, seeding: false }), { action: 'reject', reason: 'not a PEM private key' });
});

test('DKIM_PRIVATEKEY replaces a different file only at seeding, keeping a backup', () => {
  const cases: [DecideInput, ReturnType<typeof decideKey>][] = [
    [
      { existing: missing, envKey: 'A', seeding: false },
      { action: 'import', backup: false },
    ],
    [{ existing: valid('A'), envKey: 'A', seeding: true }, { action: 'keep' }],
    [
      { existing: valid('B'), envKey: 'A', seeding: true },
      { action: 'import', backup: true },
    ],
    [{ existing: valid('B'), envKey: 'A', seeding: false }, { action: 'keep' }],
    [
      { existing: broken, envKey: 'A', seeding: false },
      { action: 'import', backup: true },
    ],
  ];
  for (const [input, want] of cases) assert.deepEqual(decideKey(input), want, JSON.stringify(input));
});
