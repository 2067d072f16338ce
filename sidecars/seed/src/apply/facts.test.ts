import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paramNames } from './facts.ts';

test('postconf -d / doveconf -d names', () => {
  assert.deepEqual([...paramNames('a_b = 1\nmail_version = 3.7\n  continued = no\nc =\n')], ['a_b', 'mail_version', 'c']);
});
