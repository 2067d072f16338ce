import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExecError, run } from './exec.ts';

test('run returns stdout and exit code', async () => {
  const r = await run('sh', ['-c', 'echo hi']);
  assert.equal(r.stdout, 'hi');
  assert.equal(r.exitCode, 0);
});

test('failure carries exit code and stderr tail, with secrets scrubbed', async () => {
  await assert.rejects(run('sh', ['-c', 'echo "bad pass hunter2" >&2; exit 3', 'hunter2'], { secrets: ['hunter2'] }), (e) => {
    assert.ok(e instanceof ExecError);
    assert.equal(e.exitCode, 3);
    assert.equal(e.code, 'E_EXEC');
    assert.match(e.stderrTail, /bad pass \[redacted\]/);
    assert.ok(!e.message.includes('hunter2'));
    return true;
  });
});

test('timeout kills the process and says so', async () => {
  await assert.rejects(run('sleep', ['5'], { timeoutMs: 100 }), /timed out after 100 ms/);
});

test('a missing program is reported as not found', async () => {
  await assert.rejects(run('no-such-program-mta', []), /not found/);
});
