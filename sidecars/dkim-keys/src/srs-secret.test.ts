import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adoptedSecretFile, MAX_VERIFY_LINES, secretLines, secretProblem } from './srs-secret.ts';

const A = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const B = 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=';

test('the fleet secret signs; the local one stays as a verify-only line', () => {
  assert.equal(adoptedSecretFile(`${B}\n`, A), `${A}\n${B}\n`);
  assert.equal(adoptedSecretFile(undefined, A), `${A}\n`);
  assert.equal(adoptedSecretFile('', A), `${A}\n`);
});

test('nothing to write when the file already signs with the fleet secret', () => {
  assert.equal(adoptedSecretFile(`${A}\n`, A), undefined);
  assert.equal(adoptedSecretFile(`${A}\n${B}\n`, A), undefined);
});

test('a fleet secret that was a verify line moves to the top, without a duplicate; old lines are capped', () => {
  assert.equal(adoptedSecretFile(`${B}\n${A}\n`, A), `${A}\n${B}\n`);
  const many = Array.from({ length: 10 }, (_, i) => `${'x'.repeat(20)}${i}`);
  const out = secretLines(adoptedSecretFile(many.join('\n'), A));
  assert.equal(out.length, 1 + MAX_VERIFY_LINES);
  assert.deepEqual(out.slice(1), many.slice(0, MAX_VERIFY_LINES));
});

test('only one line of printable characters is a secret', () => {
  assert.equal(secretProblem(Buffer.from(`${A}\n`)), undefined);
  assert.equal(secretProblem(Buffer.from(A)), undefined);
  for (const bad of ['', 'short', `${A}\n${B}`, `${A} x`, `${A}\0`, 'é'.repeat(20), 'x'.repeat(513)])
    assert.ok(secretProblem(Buffer.from(bad)), JSON.stringify(bad));
});
