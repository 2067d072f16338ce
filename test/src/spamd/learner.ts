import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type Daemon, startDaemon } from '../harness/index.ts';

const pexec = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../../..');

// The real sidecar as a separate process (kill -9 must be possible), rooted in a temp dir.
export function startLearner(root: string, lib: string, env: Record<string, string> = {}): Daemon {
  return startDaemon(process.execPath, ['--conditions=source', '--import', 'tsx', 'sidecars/spamd-learn/src/main.ts'], {
    cwd: REPO,
    env: {
      ...process.env,
      MTA_ROOT: root,
      KOPANO_SPAMD_LIB: lib,
      // kopano-spamd gives its files its own group (sa_group); the operator names that group's number.
      KOPANO_SPAMD_GID: String(KOPANO.gid),
      MTA_NODE: 'spamd-test',
      MAIL_DOMAIN: 'example.com',
      ...env,
    },
  });
}

// Parsed pino lines of a daemon's output.
export const logLines = (d: Daemon): Record<string, unknown>[] =>
  d
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

// nspam/nham read independently of the code under test: sa-learn --dump magic as amavis on the same DB path.
export async function bayesCounts(dbPath: string): Promise<{ nspam: number; nham: number }> {
  if (!existsSync(`${dbPath}_toks`)) return { nspam: 0, nham: 0 };
  const { stdout } = await pexec(
    'setpriv',
    ['--reuid=amavis', '--regid=amavis', '--clear-groups', 'sa-learn', '--local', '--dbpath', dbPath, '--dump', 'magic'],
    { env: { ...process.env, HOME: '/nonexistent' } },
  );
  const n = (what: string) => Number(new RegExp(`(\\d+)\\s+\\d+\\s+non-token data: ${what}$`, 'm').exec(stdout)?.[1] ?? 0);
  return { nspam: n('nspam'), nham: n('nham') };
}

// kopano's uid and gid in its own container: no user of this system, as in production.
export const KOPANO = { uid: 4321, gid: 4321 };
const asKopano = async (path: string) => {
  if (process.getuid?.() === 0) await chown(path, KOPANO.uid, KOPANO.gid);
};

// The kopano-spamd side: lib with spam/ and ham/ as kopano leaves them (its own, group-writable).
export async function makeLib(root: string): Promise<string> {
  const lib = join(root, 'kopano/spamd');
  await mkdir(lib, { recursive: true, mode: 0o755 });
  for (const k of ['spam', 'ham']) {
    await mkdir(join(lib, k), { mode: 0o770 });
    await chmod(join(lib, k), 0o770);
    await asKopano(join(lib, k));
  }
  return lib;
}

// kopano writes <searchkey>.eml with mode 0660.
export async function drop(lib: string, kind: 'spam' | 'ham', name: string, data: string | Buffer): Promise<void> {
  await writeFile(join(lib, kind, name), data, { mode: 0o660 });
  await asKopano(join(lib, kind, name));
}

// Where spamd-learn keeps files that failed alone (its own directory, not kopano's).
export const failedDir = (root: string) => join(root, 'srv/var/spamd-learn/failed');

export const countFiles = async (dir: string) => (await readdir(dir).catch(() => [])).length;
