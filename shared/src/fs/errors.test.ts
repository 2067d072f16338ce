import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { test } from 'node:test';
import { MtaError } from '../errors.ts';
import { describeError, FsError, fsError, fsOp, storageErrno } from './errors.ts';
import { UnsafePathError } from './open.ts';

const errno = (code: string, extra: Record<string, string> = {}) => Object.assign(new Error(`${code}: something`), { code, ...extra });

test('a failed file operation names the operation, the path and what to fix', () => {
  const cases: [string, RegExp][] = [
    ['EROFS', /read-only: mount the volume read-write/],
    ['EACCES', /permission denied: check the owner and mode/],
    ['ENOSPC', /no space left on the device: free space/],
  ];
  for (const [code, fix] of cases) {
    const e = new FsError('change the owner (to 0:0) of', '/srv/var/lib/clamav', errno(code));
    assert.equal(e.code, 'E_IO');
    assert.equal(e.errno, code);
    assert.match(e.message, new RegExp(`^cannot change the owner \\(to 0:0\\) of /srv/var/lib/clamav: .*\\(${code}\\)$`));
    assert.match(e.message, fix);
    assert.doesNotMatch(e.message, /environment variable/);
    assert.equal(storageErrno(e), code);
  }
  assert.match(new FsError('read', '/x', new Error('odd')).message, /^cannot read \/x: odd$/);
});

test('errors that already say what they are about pass unchanged; a bare Node error is told with its call and path', async () => {
  const unsafe = new UnsafePathError('/a', 'it is a symbolic link');
  assert.equal(fsError('open', '/a', unsafe), unsafe);
  const mta = new MtaError('E_EXEC', 'postmap failed');
  assert.equal(fsError('write', '/b', mta), mta);
  const raw = await mkdir('/proc/mta-test/x').catch((e) => e);
  assert.match(describeError(raw), /^cannot mkdir \/proc\/mta-test\/x: it does not exist \(ENOENT\)$/);
  assert.match(describeError(errno('EXDEV', { syscall: 'rename', path: '/a', dest: '/b' })), /^cannot rename \/a to \/b: .*\(EXDEV\)$/);
  assert.equal(describeError(new Error('plain')), 'plain');
  await assert.rejects(
    fsOp('create the directory', '/proc/mta-test/y', () => mkdir('/proc/mta-test/y')),
    (e) => e instanceof FsError && e.op === 'create the directory' && e.errno === 'ENOENT',
  );
  assert.equal(storageErrno(errno('ENOENT')), undefined, 'a missing file is not a storage problem');
});
