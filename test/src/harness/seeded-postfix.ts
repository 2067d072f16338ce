import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agePostfixConf } from '@mta/seed/apply/age';
import type { Renderer } from '@mta/seed/plan';
import { runSeed, type SeedResult } from '@mta/seed/run';
import { createLogger, type Logger, type MtaPaths, mtaPaths, type RawEnv, type Variant } from '@mta/shared';
import { type MtaStsSource, startMtaStsSource } from './mta-sts.ts';
import { freePort } from './net.ts';
import type { TestNetns } from './netns.ts';
import { type Postfix, startPostfix } from './postfix.ts';
import type { FileScope } from './scope.ts';
import { type SenderMilter, startSenderMilter } from './sender-milter.ts';
import { tempRoot } from './tmp.ts';

export interface SeededPostfix {
  root: string;
  // Loopback port of the smtp (25) service; `ports` maps every inet service of master.cf to its test port.
  port: number;
  ports: Record<string, number>;
  postfix: Postfix;
  paths: MtaPaths;
  seed: SeedResult;
  // Lines the seed logged (JSON), for assertions that nothing secret is printed.
  seedLog: string[];
  // Runs the seed again on the same root (e.g. with FORCE_CONFIG), re-applies the test ports and reloads postfix.
  reseed: (env: RawEnv) => Promise<SeedResult>;
  // The sender milter, running whenever the seed wired it (as runit runs it in the image): 465/587 defer all mail
  // without it.
  milter: () => SenderMilter | undefined;
  stop: () => Promise<void>;
}

// Pristine postfix files where the image keeps them, plus the unlock file a fresh image has.
export function prepareSeedRoot(root: string): void {
  const pristine = join(root, 'usr/share/mta/pristine/postfix');
  mkdirSync(pristine, { recursive: true });
  copyFileSync('/etc/postfix/main.cf.proto', join(pristine, 'main.cf'));
  copyFileSync('/etc/postfix/master.cf.proto', join(pristine, 'master.cf'));
  mkdirSync(join(root, 'srv/etc'), { recursive: true });
  writeFileSync(join(root, 'srv/etc/.docker.unlock'), '');
}

// A temp root prepared for the seed (prepareSeedRoot), removed after the file's tests.
export async function seedRoot(scope: FileScope, prefix = 'mta-seed-'): Promise<string> {
  const dir = await scope.dir(prefix);
  prepareSeedRoot(dir);
  return dir;
}

// Test-only postfix parameters, given the way a user would: UPPERCASE variables the seed passes through.
export const testInstanceEnv = (root: string): Record<string, string> => ({
  HOSTNAME: 'mx.example.com',
  INET_INTERFACES: '127.0.0.1',
  INET_PROTOCOLS: 'ipv4',
  MAILLOG_FILE: join(root, 'maillog'),
  MAILLOG_FILE_PREFIXES: `/var,/dev/stdout,${root}`,
});

// A logger that keeps the seed's JSON lines in memory.
export function memoryLogger(lines: string[]): Logger {
  return createLogger({ sidecar: 'seed', node: 'test', syslogLevel: 7, destination: { write: (s: string) => void lines.push(s) } });
}

// Moves every named inet service of master.cf to a loopback test port (same port per service across reseeds).
function adaptPorts(etc: string, ports: Record<string, number>, fresh: () => Promise<number>): Promise<void> {
  return (async () => {
    const entries = execFileSync('postconf', ['-c', etc, '-M'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const line of entries) {
      const [name, type, ...rest] = line.split(/\s+/);
      // Named services (smtp, submission, …) move; explicit host:port ones (amavis reinjection) are the renderer's.
      if (type !== 'inet' || !name || /^\d+$/.test(name) || name.includes(':')) continue;
      const port = (ports[name] ??= await fresh());
      execFileSync('postconf', ['-c', etc, '-M#', `${name}/inet`]);
      execFileSync('postconf', ['-c', etc, '-M', `${port}/inet=${port} inet ${rest.join(' ')}`]);
    }
  })();
}

// A temp root seeded by runSeed from `env`, then postfix started on 127.0.0.1. Throws with the seed's errors
// when seeding fails. Call stop() in `after`.
export interface SeededPostfixOptions {
  env: RawEnv;
  variant?: Variant;
  renderers?: Renderer[];
  // Run postfix inside this namespace (clients from other addresses, DNS on port 53).
  ns?: TestNetns;
  // Port to wait for when no `smtp` service is left on a named port (behind the PROXY gate).
  waitPort?: number;
  // Log to <root>/run/mta/log/postfix/current, where the guard and metrics sidecars read it in the image.
  logDir?: boolean;
  // The test runs the MTA-STS policy source itself (its own DNS records and policy server).
  ownMtaSts?: boolean;
}

export async function seededPostfix(opts: SeededPostfixOptions): Promise<SeededPostfix> {
  const { dir: root, cleanup } = await tempRoot('mta-seed-');
  const paths = mtaPaths(root);
  const seedLog: string[] = [];
  const log = memoryLogger(seedLog);
  const variant = opts.variant ?? 'base';
  const ports: Record<string, number> = {};
  let milter: SenderMilter | undefined;
  let sts: MtaStsSource | undefined;
  // Outbound MTA-STS, wherever the seed wired it: postfix defers every outbound delivery while nobody answers.
  const syncSts = async () => {
    await sts?.stop();
    sts = opts.ownMtaSts ? undefined : await startMtaStsSource(paths);
  };
  const syncMilter = async () => {
    const wanted = existsSync(paths.senderMilterConf);
    if (wanted && !milter) milter = await startSenderMilter(root);
    else if (!wanted && milter) {
      await milter.stop();
      milter = undefined;
    }
  };
  const seedWith = async (env: RawEnv) => {
    const logFile = opts.logDir ? { MAILLOG_FILE: join(paths.logDir, 'postfix', 'current') } : {};
    const r = await runSeed({ env: { ...testInstanceEnv(root), ...logFile, ...env }, root, variant, log, renderers: opts.renderers });
    if (r.status === 'invalid')
      throw new Error(`seed failed:\n${[...r.errors.map((e) => `${e.variable}: ${e.message}`), r.failure ?? ''].join('\n')}`);
    await adaptPorts(paths.postfixConf, ports, () => freePort());
    await agePostfixConf(paths.postfixConf, 60_000);
    await syncMilter();
    await syncSts();
    return r;
  };
  try {
    prepareSeedRoot(root);
    if (opts.logDir) mkdirSync(join(paths.logDir, 'postfix'), { recursive: true });
    const seed = await seedWith(opts.env);
    const port = opts.waitPort ?? ports.smtp;
    if (port === undefined) throw new Error('master.cf has no smtp inet service');
    const postfix = await startPostfix(paths.postfixConf, port, opts.ns);
    return {
      root,
      port,
      ports,
      postfix,
      paths,
      seed,
      seedLog,
      milter: () => milter,
      reseed: async (env) => {
        const r = await seedWith(env);
        execFileSync('postfix', ['-c', paths.postfixConf, 'reload'], { stdio: 'ignore' });
        return r;
      },
      stop: async () => {
        await postfix.stop();
        await milter?.stop();
        await sts?.stop();
        await cleanup();
      },
    };
  } catch (e) {
    await milter?.stop();
    await sts?.stop();
    await cleanup();
    throw e;
  }
}
