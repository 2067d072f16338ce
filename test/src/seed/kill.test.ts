import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSeed } from '@mta/seed/run';
import { memoryLogger, startNats, testInstanceEnv } from '../harness/index.ts';
import { configFingerprint, seedFixture, seedProcess } from './snapshot.ts';

const { freshRoot, onCleanup } = seedFixture();

const boxes = (n: number) => Array.from({ length: n }, (_, i) => `user${i}@example.com`).join(' ');
const baseEnv = (root: string) => ({
  ...testInstanceEnv(root),
  MAIL_DOMAIN: 'example.com',
  MAIL_ALIASES: 'root:info postmaster:root',
  SMTP_RELAY_HOSTAUTH: '[127.0.0.1]:2525 user:relaypass',
});
const seed = (root: string, env: Record<string, string>) => runSeed({ env, root, variant: 'full', log: memoryLogger([]) });

test('kill -9 at several points, then re-run: the config is complete, valid and identical to an uninterrupted run', async () => {
  // A reachable bus lets each finished seed process exit at once instead of waiting for NATS.
  const nats = await startNats();
  onCleanup(() => nats.stop());
  const env = (root: string) => ({ ...baseEnv(root), MAIL_BOXES: boxes(1500), SMTPD_USE_TLS: 'no', NATS_URL: nats.url });
  const ref = await freshRoot();
  assert.equal((await seed(ref, env(ref))).status, 'applied');
  const want = configFingerprint(ref);

  // Points chosen by what the seed has done so far, plus a few by time.
  const points: { name: string; when: (root: string) => boolean }[] = [
    { name: 'staging', when: (r) => readdirSync(join(r, 'tmp')).some((f) => f.startsWith('mta-seed-stage-')) },
    { name: 'table being built', when: (r) => existsSync(join(r, 'etc/postfix/.virtual_mailbox.seed-tmp')) },
    { name: 'table in place', when: (r) => existsSync(join(r, 'etc/postfix/virtual_mailbox.db')) },
    { name: 'main.cf written', when: (r) => existsSync(join(r, 'etc/postfix/main.cf')) },
    // Timed points count from the moment the seed starts staging (process startup varies too much to count from spawn);
    // staging to the end takes ~100 ms since the seed got faster (bench/seed-render).
    ...[20, 50].map((ms) => {
      let seen: number | undefined;
      return {
        name: `${ms} ms into seeding`,
        when: (r: string) => {
          seen ??= readdirSync(join(r, 'tmp')).some((f) => f.startsWith('mta-seed-stage-')) ? Date.now() : undefined;
          return seen !== undefined && Date.now() - seen >= ms;
        },
      };
    }),
  ];
  let interrupted = 0;
  for (const point of points) {
    const root = await freshRoot();
    const p = await seedProcess(root, env(root), (pid) => {
      const poll = setInterval(() => {
        const timed = point.when(root);
        if (timed) {
          clearInterval(poll);
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already exited
          }
        }
      }, 1);
      setTimeout(() => clearInterval(poll), 20_000);
    });
    const finished = p.stdout.includes('"event":"seed.applied"');
    if (p.signal === 'SIGKILL' && !finished) {
      interrupted++;
      // Killed before the end: the unlock file is still there, so the next start seeds again.
      assert.ok(existsSync(join(root, 'srv/etc/.docker.unlock')), `${point.name}: unlock file removed by an interrupted run`);
    }
    const again = await seed(root, env(root));
    assert.notEqual(again.status, 'invalid', `${point.name}: ${JSON.stringify(again.errors)}`);
    assert.deepEqual(configFingerprint(root), want, `config after kill at "${point.name}"`);
    assert.equal(existsSync(join(root, 'srv/etc/.docker.unlock')), false);
  }
  assert.ok(interrupted >= 5, `only ${interrupted} runs were actually interrupted`);
});
