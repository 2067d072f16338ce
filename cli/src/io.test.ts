import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, MtaError } from '@mta/shared';
import { exitStatus, failure, wasTold } from './io.ts';

test('a failure is told once: with a line it prints it; runCli then prints nothing more', () => {
  const err: string[] = [];
  const io = { env: {}, out: () => undefined, err: (l: string) => void err.push(l) };
  const e = failure(io, ErrorCode.Usage, 'mta x: bad argument');
  assert.deepEqual(err, ['mta x: bad argument']);
  assert.equal(e.code, ErrorCode.Usage);
  assert.ok(wasTold(e));
  assert.ok(!wasTold(new MtaError(ErrorCode.Usage, 'not told')));
  failure(io, ErrorCode.Config);
  assert.equal(err.length, 1, 'without a line nothing is printed (the command printed its lines)');
});

test('exit status from the code: 2 when the command could not run as asked, 1 when it ran and failed', () => {
  assert.equal(exitStatus(ErrorCode.Usage), 2);
  assert.equal(exitStatus(ErrorCode.Unavailable), 2);
  for (const code of [ErrorCode.Config, ErrorCode.Exec, ErrorCode.Io, ErrorCode.Validation, ErrorCode.Internal])
    assert.equal(exitStatus(code), 1);
});
