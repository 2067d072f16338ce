import assert from 'node:assert/strict';
import { test } from 'node:test';
import { whilePlacing } from './placement.ts';

test('a cluster still forming is asked again; any other error, or one that outlasts the wait, is thrown', async () => {
  let calls = 0;
  const forming = async () => {
    if (++calls < 3) throw new Error('no suitable peers for placement');
    return 'placed';
  };
  assert.equal(await whilePlacing(forming), 'placed');
  assert.equal(calls, 3);

  calls = 0;
  await assert.rejects(
    whilePlacing(async () => {
      calls++;
      throw new Error('Permissions Violation for Publish to "$JS.API.STREAM.CREATE.x"');
    }),
    /Permissions Violation/,
  );
  assert.equal(calls, 1);

  await assert.rejects(
    whilePlacing(async () => {
      throw new Error('no suitable peers for placement');
    }, 300),
    /no suitable peers/,
  );
});
