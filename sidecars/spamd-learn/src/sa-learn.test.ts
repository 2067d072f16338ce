import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judge, parseSummary } from './sa-learn.ts';

test('summary line is parsed', () => {
  assert.deepEqual(parseSummary('Learned tokens from 3 message(s) (5 message(s) examined)\n'), { learned: 3, examined: 5 });
  assert.equal(parseSummary(''), undefined);
});

test('exit 0 with an unwritable journal still counts as failure (sa-learn 4.0.1 output)', () => {
  const stderr = 'bayes: cannot write to /x/bayes_journal, bayes db update ignored: Permission denied\n';
  assert.match(judge({ exitCode: 0, stdout: 'Learned tokens from 1 message(s) (1 message(s) examined)', stderr }, 1) ?? '', /cannot write/);
  assert.match(
    judge({ exitCode: 0, stdout: '', stderr: 'bayes: expire_old_tokens: locker: safe_lock: cannot create tmp lockfile' }) ?? '',
    /safe_lock/,
  );
});

test('non-zero exit, missing summary and unexamined files fail; already-learned messages do not', () => {
  assert.match(judge({ exitCode: 13, stdout: '', stderr: '' }) ?? '', /exit code 13/);
  assert.match(judge({ exitCode: 0, stdout: '', stderr: '' }, 2) ?? '', /no summary/);
  assert.match(
    judge({ exitCode: 0, stdout: 'Learned tokens from 1 message(s) (1 message(s) examined)', stderr: '' }, 2) ?? '',
    /examined 1 of 2/,
  );
  assert.equal(judge({ exitCode: 0, stdout: 'Learned tokens from 0 message(s) (2 message(s) examined)', stderr: '' }, 2), undefined);
  assert.equal(judge({ exitCode: 0, stdout: 'bayes: synced databases from journal in 0 seconds', stderr: '' }), undefined);
  const prefs = 'config: cannot create user preferences file /h/.spamassassin/user_prefs: Permission denied\n';
  assert.equal(judge({ exitCode: 0, stdout: 'Learned tokens from 1 message(s) (1 message(s) examined)', stderr: prefs }, 1), undefined);
});

test('a timeout and a refused request are named as such', () => {
  assert.equal(judge({ exitCode: 124, stdout: '', stderr: '' }, 1), 'sa-learn timed out');
  assert.equal(judge({ exitCode: 64, stdout: '', stderr: 'refused: batch\n' }, 1), 'sa-learn runner refused: batch');
});
