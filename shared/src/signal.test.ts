import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger } from './log.ts';
import { daemonAgeMs, signalDaemon, supervised } from './signal.ts';
import { sleep } from './sleep.ts';

// Stand-in daemons: copies of sleep(1) whose file name sets /proc/PID/comm; SIGHUP ends them (default action).
const dir = mkdtempSync(join(tmpdir(), 'mta-signal-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
const lines: string[] = [];
const log = createLogger({ sidecar: 't', node: 'n', destination: { write: (s: string) => void lines.push(s) } });
const root = process.getuid?.() === 0;

function daemon(name: string, asUid?: number): { child: ChildProcess; pidFile: string; exited: () => boolean } {
  const bin = join(dir, name);
  if (!existsSync(bin)) copyFileSync('/bin/sleep', bin);
  const child =
    asUid === undefined ? spawn(bin, ['300']) : spawn('setpriv', [`--reuid=${asUid}`, `--regid=${asUid}`, '--clear-groups', bin, '300']);
  children.push(child);
  let gone = false;
  child.on('exit', () => void (gone = true));
  const pidFile = join(dir, `${name}-${child.pid}.pid`);
  writeFileSync(pidFile, `${child.pid}\n`);
  return { child, pidFile, exited: () => gone };
}

test('a pid file naming another process, or the right name under another uid, is refused and logged', async () => {
  const other = daemon('runsvdir');
  const me = process.getuid?.() ?? 0;
  assert.equal(await signalDaemon({ pidFiles: [other.pidFile], comm: /^amavisd/, uid: me }, 'SIGHUP', log), 'not running');
  if (root) {
    const impostor = daemon('amavisd', 4321);
    await sleep(100);
    assert.equal(await signalDaemon({ pidFiles: [impostor.pidFile], comm: /^amavisd/, uid: me }, 'SIGHUP', log), 'not running');
    assert.equal(impostor.exited(), false);
  }
  await sleep(100);
  assert.equal(other.exited(), false, 'nothing was signalled');
  const refused = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'signal.refused');
  assert.equal(refused.length, root ? 2 : 1);
  assert.equal(refused[0].comm, 'runsvdir');
});

test('the daemon a pid file names is signalled once /proc confirms comm and uid; junk pid files are skipped', async () => {
  const junk = join(dir, 'junk.pid');
  writeFileSync(junk, '1\n');
  const real = daemon('amavisd');
  await sleep(100);
  const outcome = await signalDaemon(
    { pidFiles: [junk, join(dir, 'missing.pid'), real.pidFile], comm: /^amavisd/, uid: process.getuid?.() ?? 0 },
    'SIGHUP',
  );
  assert.equal(outcome, 'signalled');
  await sleep(100);
  assert.equal(real.exited(), true);
});

test('a supervised daemon is signalled through runit sv, never through its pid file', { skip: !existsSync('/usr/bin/runsv') }, async () => {
  const svc = join(dir, 'svc');
  mkdirSync(svc);
  const hups = join(dir, 'hups');
  writeFileSync(hups, '');
  writeFileSync(join(svc, 'run'), `#!/bin/sh\ntrap 'echo hup >> ${hups}' HUP\nwhile :; do sleep 0.05; done\n`, { mode: 0o755 });
  const runsv = spawn('runsv', [svc], { stdio: 'ignore' });
  children.push(runsv);
  for (let i = 0; i < 100 && !existsSync(join(svc, 'supervise', 'ok')); i++) await sleep(20);
  await sleep(200);
  const decoy = daemon('amavisd');
  assert.equal(
    await signalDaemon({ service: svc, pidFiles: [decoy.pidFile], comm: /^amavisd/, uid: process.getuid?.() ?? 0 }, 'SIGHUP'),
    'supervisor',
  );
  for (let i = 0; i < 100 && !readFileSync(hups, 'utf8'); i++) await sleep(20);
  assert.equal(readFileSync(hups, 'utf8'), 'hup\n');
  assert.equal(decoy.exited(), false);
  // runsv stops the service and exits on TERM.
  runsv.kill('SIGTERM');
});

test('a service dir whose runsv is gone (supervise/ok left from an earlier start) is not supervised', async () => {
  const svc = join(dir, 'stale');
  mkdirSync(join(svc, 'supervise'), { recursive: true });
  spawnSync('mkfifo', [join(svc, 'supervise', 'ok')]);
  assert.equal(supervised(svc), false);
  const real = daemon('amavisd');
  await sleep(100);
  assert.equal(
    await signalDaemon({ service: svc, pidFiles: [real.pidFile], comm: /^amavisd/, uid: process.getuid?.() ?? 0 }, 'SIGHUP'),
    'signalled',
  );
});

test("a daemon's age comes from /proc, only for a pid file /proc confirms", async () => {
  const d = daemon('amavisd-age');
  await sleep(300);
  const me = process.getuid?.() ?? 0;
  const age = await daemonAgeMs({ pidFiles: [d.pidFile], comm: /^amavisd/, uid: me });
  assert.ok(age !== undefined && age >= 200 && age < 10_000, `age ${age}`);
  assert.equal(await daemonAgeMs({ pidFiles: [d.pidFile], comm: /^clamd/, uid: me }), undefined);
  assert.equal(await daemonAgeMs({ pidFiles: [join(dir, 'none.pid')], comm: /^amavisd/, uid: me }), undefined);
});
