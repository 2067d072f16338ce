import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGroupId } from './ids.ts';

test('parseGroupId finds the group by exact name', () => {
  const f = 'root:x:0:\namavisx:x:12:\namavis:x:993:clamav\n';
  assert.equal(parseGroupId(f, 'amavis'), 993);
  assert.equal(parseGroupId(f, 'root'), 0);
  assert.equal(parseGroupId(f, 'clamav'), undefined);
});
