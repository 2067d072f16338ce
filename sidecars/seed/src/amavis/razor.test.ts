import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger, freePort } from '@mta/shared';
import { registerRazor } from './razor.ts';

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
      assert.ok(!lines.join('').includes('S3cret-razor-pw'), 'password leaked into the log');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
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
