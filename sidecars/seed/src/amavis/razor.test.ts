import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger } from '@mta/shared';
import { razorCommand, registerRazor } from './razor.ts';

// A loopback port with nothing listening: what an unreachable Razor server looks like, without any network.
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

describe('RAZOR_REGISTRATION', () => {
  it('warns once, keeps going, and never logs the password when the servers are unreachable', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mta-razor-'));
    const lines: string[] = [];
    const log = createLogger({ sidecar: 'seed', node: 't', syslogLevel: 7, destination: { write: (s: string) => void lines.push(s) } });
    try {
      const port = await deadPort();
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
