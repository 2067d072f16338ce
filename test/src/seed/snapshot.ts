import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileScope, freePort, prepareSeedRoot } from '../harness/index.ts';

export interface FileState {
  sha: string;
  mtimeMs: number;
  mode: number;
}

// Every regular file under the config parts of a root (not the queue or logs, which postfix itself changes).
export function snapshot(root: string, dirs = ['etc', 'srv', 'usr']): Map<string, FileState> {
  const out = new Map<string, FileState>();
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else
        out.set(relative(root, p), { sha: createHash('sha256').update(readFileSync(p)).digest('hex'), mtimeMs: st.mtimeMs, mode: st.mode });
    }
  };
  for (const d of dirs) walk(join(root, d));
  return out;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

// Hash per file of the rendered postfix config, root path replaced and indexed tables dumped, so roots compare.
// Hashes only: a failing comparison must not print the sasl_passwd content.
export function configFingerprint(root: string): Record<string, string> {
  const etc = join(root, 'etc/postfix');
  const out: Record<string, string> = {};
  for (const name of readdirSync(etc).sort()) {
    const p = join(etc, name);
    if (name.endsWith('.db')) {
      const dump = execFileSync('postmap', ['-c', etc, '-s', `hash:${p.slice(0, -3)}`], { encoding: 'utf8' });
      out[name] = sha(dump.split('\n').sort().join('\n'));
    } else out[name] = sha(readFileSync(p, 'utf8').split(root).join('<root>'));
  }
  return out;
}

export interface SeedProcess {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

const repo = join(import.meta.dirname, '../../..');

// Runs the seed sidecar's main.ts as the image would (its own process), on `root`. `onSpawn` may kill it.
export async function seedProcess(root: string, env: Record<string, string>, onSpawn?: (pid: number) => void): Promise<SeedProcess> {
  const nats = `nats://127.0.0.1:${await freePort()}`;
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(repo, 'sidecars/seed/src/main.ts')], {
    cwd: repo,
    env: { PATH: process.env.PATH, MTA_ROOT: root, MTA_VARIANT: 'full', NATS_URL: nats, TMPDIR: join(root, 'tmp'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  if (child.pid) onSpawn?.(child.pid);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr, stdout })));
}

// Per-file teardown plus fresh seed roots (pristine postfix files, a tmp dir), all removed when the file's tests end.
export function seedFixture(): { freshRoot: () => Promise<string>; onCleanup: (fn: () => Promise<void>) => void } {
  const scope = fileScope();
  return {
    onCleanup: (fn) => scope.defer(fn),
    freshRoot: async () => {
      const dir = await scope.dir('mta-seed-');
      prepareSeedRoot(dir);
      mkdirSync(join(dir, 'tmp'));
      return dir;
    },
  };
}
