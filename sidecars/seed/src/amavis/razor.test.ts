import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger, freePort } from '@mta/shared';
import { razorCommand, registerRazor } from './razor.ts';

describe('RAZOR_REGISTRATION', () => {
  it('warns once, keeps going, and never logs the password when the servers are unreachable', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mta-razor-'));
    const lines: string[] = [];
    const log = createLogger({ sidecar: 'seed', node: 't', syslogLevel: 7, destination: { write: (s: string) => void lines.push(s) } });
    try {
      const port = await freePort();
      const outcome = await registerRazor({
        registration: { user: 'postmaster@example.com', password: 'S3cret-razor-pw' },
        home,
        log,
        server: `127.0.0.1:${port}`,
      });
      assert.equal(outcome, 'unreachable');
      const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'razor.register.failed');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0].msg, /RAZOR_REGISTRATION: Razor servers unreachable, continuing/);
      // razor-admin's own agent ran (and failed to connect), not a Perl error of the wrapper.
      assert.doesNotMatch(String(warnings[0].reason), /syntax error|Can't locate|at -e line/, warnings[0].reason);
      assert.ok(!lines.join('').includes('S3cret-razor-pw'), 'password leaked into the log');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('never puts the password on the command line (ps shows it to every process): it travels in the environment', () => {
    const cmd = razorCommand({
      registration: { user: 'postmaster@example.com', password: 'S3cret-razor-pw' },
      home: '/h',
      server: 'rs:2703',
    });
    assert.ok(!cmd.args.join(' ').includes('S3cret-razor-pw'), cmd.args.join(' '));
    assert.deepEqual(cmd.args.slice(3), ['--', '-home=/h', '-register', '-user=postmaster@example.com', '-rs', 'rs:2703']);
    assert.deepEqual(cmd.env, { MTA_RAZOR_PASS: 'S3cret-razor-pw' });
    assert.deepEqual(razorCommand({ registration: { user: '', password: '' }, home: '/h' }).env, {});
  });

  it('does nothing when an identity is already registered', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mta-razor-'));
    try {
      writeFileSync(join(home, 'identity-abc'), 'x');
      const log = createLogger({ sidecar: 'seed', node: 't', syslogLevel: 7, destination: { write: () => undefined } });
      assert.equal(await registerRazor({ registration: { user: '', password: '' }, home, log, server: '127.0.0.1:1' }), 'already');
      assert.ok(!existsSync(join(home, 'razor-agent.log')));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('RAZOR_REGISTRATION with .razor replaced by a link', () => {
  it('is refused and logged; razor-admin never runs and the target keeps its owner and mode', async () => {
    const base = mkdtempSync(join(tmpdir(), 'mta-razor-'));
    try {
      const target = join(base, 'outside');
      mkdirSync(target, { mode: 0o700 });
      // .razor sits in amavis's home, which amavis (here uid 4321) can write: the link may be planted.
      chownSync(base, 4321, 4321);
      symlinkSync(target, join(base, '.razor'));
      const lines: string[] = [];
      const log = createLogger({ sidecar: 'seed', node: 't', destination: { write: (s: string) => void lines.push(s) } });
      const outcome = await registerRazor({
        registration: { user: '', password: '' },
        home: join(base, '.razor'),
        log,
        owner: { uid: 4321, gid: 4321 },
        server: '127.0.0.1:1',
      });
      assert.equal(outcome, 'refused');
      const st = statSync(target);
      assert.deepEqual([st.uid, st.mode & 0o777], [process.getuid?.(), 0o700]);
      assert.deepEqual(readdirSync(target), []);
      assert.equal(lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'fs.refused').length, 1);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
