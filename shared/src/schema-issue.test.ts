import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as z from 'zod/mini';
import { firstIssue } from './schema-issue.ts';

test('firstIssue words the first problem in English, with its path', async () => {
  const schema = z.object({ a: z.object({ b: z.literal(1) }), c: z.enum(['x', 'y']) });
  assert.deepEqual(await firstIssue(schema, { a: { b: 2 }, c: 'x' }), { where: 'a.b', message: 'Invalid input: expected 1' });
  assert.deepEqual(await firstIssue(schema, { a: { b: 1 }, c: 'z' }), { where: 'c', message: 'Invalid option: expected one of "x"|"y"' });
  assert.equal((await firstIssue(schema, 'text')).message, 'Invalid input: expected object, received string');
});
