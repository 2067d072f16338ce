import assert from 'node:assert/strict';
import { test } from 'node:test';
import { askedAhead, paramNames } from './facts.ts';

test('postconf -d / doveconf -d names', () => {
  assert.deepEqual([...paramNames('a_b = 1\nmail_version = 3.7\n  continued = no\nc =\n')], ['a_b', 'mail_version', 'c']);
});

test('a fact asked ahead is asked once and taken once; a failure waits for whoever takes it', async () => {
  let asked = 0;
  const fact = askedAhead(async () => ++asked);
  fact.start();
  fact.start();
  assert.equal(asked, 1);
  assert.equal(await fact.take(), 1);
  assert.equal(await fact.take(), 2, 'taken: asked afresh');
  const failing = askedAhead(() => Promise.reject(new Error('no postconf')));
  failing.start();
  await new Promise((r) => setImmediate(r));
  await assert.rejects(failing.take(), /no postconf/);
});
