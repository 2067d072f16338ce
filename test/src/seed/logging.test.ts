import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSeed } from '@mta/seed/run';
import { eventually, fileScope, freePort, memoryLogger, seedRoot, swaks, testInstanceEnv, waitForPort } from '../harness/index.ts';

const cleanups = fileScope();

// Seeds a root with the image's logging (maillog_file=/dev/stdout) and runs postfix with stdout on a pipe, as runit
// hands it one (to svlogd, then docker's log): what postfix logs must arrive at the other end. Postfix 3.10 opens
// /dev/stdout again by name (the postfix command itself, then postlogd): a pipe allows that, a socket does not.
async function postfixOnStdout(env: Record<string, string>): Promise<{ port: number; log: () => string }> {
  const dir = await seedRoot(cleanups);
  const { MAILLOG_FILE: _f, MAILLOG_FILE_PREFIXES: _p, ...instance } = testInstanceEnv(dir);
  const r = await runSeed({
    env: { ...instance, MAIL_DOMAIN: 'example.com', MAIL_BOXES: 'info@example.com', ...env },
    root: dir,
    variant: 'base',
    log: memoryLogger([]),
  });
  assert.equal(r.status, 'applied', JSON.stringify(r.errors));
  const etc = join(dir, 'etc/postfix');
  assert.equal(execFileSync('postconf', ['-c', etc, '-h', 'maillog_file'], { encoding: 'utf8' }).trim(), '/dev/stdout');
  const port = await freePort();
  execFileSync('postconf', ['-c', etc, '-M#', 'smtp/inet']);
  execFileSync('postconf', ['-c', etc, '-M', `${port}/inet=${port} inet n - n - - smtpd`]);
  const logFile = join(dir, 'stdout.log');
  const fd = openSync(logFile, 'a');
  // A shell pipeline is a pipe(2), like runsv's to its log service (node's own stdio pipes are sockets).
  const child = spawn('sh', ['-c', 'postfix -c "$1" start-fg 2>&1 | cat', 'sh', etc], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  cleanups.defer(async () => {
    execFileSync('postfix', ['-c', etc, 'stop'], { stdio: 'ignore' });
    await new Promise((res) => (child.exitCode === null ? child.once('exit', res) : res(null)));
  });
  await waitForPort(port);
  return { port, log: () => readFileSync(logFile, 'utf8') };
}

test('postfix logs to stdout (maillog_file=/dev/stdout through postlogd)', async () => {
  const pf = await postfixOnStdout({});
  const r = swaks(['--server', `127.0.0.1:${pf.port}`, '--from', 'a@remote.test', '--to', 'info@example.com']);
  assert.equal(r.status, 0, r.output);
  await eventually(() => /postfix\/smtpd\[\d+\]: connect from localhost\[127\.0\.0\.1\]/.test(pf.log()), 15_000, 'smtpd log on stdout');
  await eventually(() => /status=sent \(delivered to mailbox\)/.test(pf.log()), 15_000, 'delivery log on stdout');
});

test('SYSLOG_LEVEL=7 adds TLS session detail; the default level does not', async () => {
  const debug = await postfixOnStdout({ SYSLOG_LEVEL: '7', SMTPD_USE_TLS: 'yes' });
  const normal = await postfixOnStdout({ SMTPD_USE_TLS: 'yes' });
  for (const pf of [debug, normal]) {
    const r = swaks(['--server', `127.0.0.1:${pf.port}`, '--tls', '--from', 'a@remote.test', '--to', 'info@example.com']);
    assert.equal(r.status, 0, r.output);
    await eventually(() => /disconnect from localhost/.test(pf.log()), 15_000, 'session logged');
  }
  assert.match(debug.log(), /TLS connection established from localhost/);
  assert.doesNotMatch(normal.log(), /TLS connection established/);
});
