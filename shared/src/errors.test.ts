import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, MtaError } from './errors.ts';

test('MtaError.from keeps MtaError instances and wraps the rest', () => {
  const own = new MtaError(ErrorCode.Config, 'bad');
  assert.equal(MtaError.from(own), own);
  const wrapped = MtaError.from(new TypeError('boom'), ErrorCode.Io);
  assert.equal(wrapped.code, 'E_IO');
  assert.equal(wrapped.message, 'boom');
  assert.ok(wrapped.cause instanceof TypeError);
  assert.equal(MtaError.from('plain').code, 'E_INTERNAL');
});
