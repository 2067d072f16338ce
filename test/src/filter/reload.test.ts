import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AMAVIS_RELOAD_GAP_MS, createLogger, mtaPaths, spacedReload } from '@mta/shared';
import { eventually } from '../harness/net.ts';
import { type FilterChain, withFilterChain } from './chain.ts';
import { headerOf } from './messages.ts';

const CLI = fileURLToPath(new URL('../../../cli/src/main.ts', import.meta.url));

// `mta amavis reload` as its own process: what the operator types, and what image/service/sa-update/run runs.
function cliReload(root: string, reason: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CLI, 'amavis', 'reload', '--reason', reason], {
      env: { PATH: process.env.PATH, MTA_ROOT: root, HOSTNAME: 'mx.example.com' },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

// Each SIGHUP that reached amavis (it then re-executes itself: "Re-exec server during HUP").
const HUP = /Net::Server: Received a SIG HUP/;
const hupLines = (c: FilterChain): string[] =>
  c.amavis
    .output()
    .split('\n')
    .filter((l) => HUP.test(l));

describe('one spaced amavis reload for dkim-keys, sa-update and the CLI', { timeout: 180_000 }, () => {
  it('reloads fired from several processes at once: amavis re-reads its config at most twice, 20 s apart, and stays up', () =>
    withFilterChain({ env: {} }, async (c) => {
      const paths = mtaPaths(c.root);
      const pid = Number(readFileSync(paths.amavisPid, 'utf8'));
      assert.ok(pid > 1, 'amavis wrote its pid file under run/amavis');
      const before = hupLines(c).length;
      const lines: string[] = [];
      const log = createLogger({ sidecar: 'dkim-keys', node: 't', destination: { write: (s: string) => void lines.push(s) } });
      // dkim-keys' own scheduler (two key changes in a row, as in a fleet rotation), plus three other processes.
      const dkim = spacedReload({ paths, log, reason: 'dkim-keys' });
      const t0 = Date.now();
      const [cli1, saUpdate, cli2] = await Promise.all([
        cliReload(c.root, 'cli'),
        cliReload(c.root, 'sa-update'),
        cliReload(c.root, 'cli'),
        dkim.reload().then(() => dkim.reload()),
      ]);
      for (const r of [cli1, saUpdate, cli2]) {
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /^amavis(?: reloaded|: a reload sent after this request already covers it)$/m);
      }
      const reloads = await eventually(
        () => {
          const n = hupLines(c).length - before;
          return n >= 1 && Date.now() - t0 > AMAVIS_RELOAD_GAP_MS + 5000 ? n : undefined;
        },
        AMAVIS_RELOAD_GAP_MS + 60_000,
        'amavis re-executed',
      );
      assert.ok(reloads <= 2, `${reloads} SIGHUPs for 5 requests (at most one right away and one after the gap)`);
      await dkim.close();
      const hups = hupLines(c)
        .slice(before)
        .map((l) => Date.parse(`${new Date().getFullYear()} ${l.slice(0, 15)}`));
      if (hups.length === 2) assert.ok((hups[1] ?? 0) - (hups[0] ?? 0) >= AMAVIS_RELOAD_GAP_MS - 1000, `spaced: ${hups.join(', ')}`);
      // The same master process, still answering: no SIGHUP arrived while it re-executed.
      process.kill(pid, 0);
      assert.equal(Number(readFileSync(paths.amavisPid, 'utf8')), pid);
      // Every HUP ended in a warm restart of the same process.
      assert.equal((c.amavis.output().match(/starting\. \(warm\)/g) ?? []).length - before, reloads);
      const r = await c.mail('alice@remote.test', 'bob@example.com', 'after-reloads', 'still filtered');
      assert.equal(r.status, 0, r.output);
      const m = await eventually(() => c.sink.mails.find((x) => x.raw.includes('after-reloads')), 60_000, 'mail through amavis');
      assert.ok(headerOf(m.raw, 'X-Virus-Scanned').length, m.raw);
    }));
});
