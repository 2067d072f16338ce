import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type Daemon, startDaemon } from '../harness/index.ts';

const pexec = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../../..');

// The real sidecar as a separate process (kill -9 must be possible), rooted in a temp dir.
export function startLearner(root: string, lib: string, env: Record<string, string> = {}): Daemon {
  return startDaemon(process.execPath, ['--conditions=source', '--import', 'tsx', 'sidecars/spamd-learn/src/main.ts'], {
    cwd: REPO,
    env: { ...process.env, MTA_ROOT: root, KOPANO_SPAMD_LIB: lib, MTA_NODE: 'spamd-test', MAIL_DOMAIN: 'example.com', ...env },
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

// The kopano-spamd side: lib with spam/ and ham/ as kopano leaves them.
export async function makeLib(root: string): Promise<string> {
  const lib = join(root, 'kopano/spamd');
  await mkdir(join(lib, 'spam'), { recursive: true, mode: 0o755 });
  await mkdir(join(lib, 'ham'), { recursive: true, mode: 0o755 });
  return lib;
}

// kopano writes <searchkey>.eml with mode 0660.
export const drop = (lib: string, kind: 'spam' | 'ham', name: string, data: string) =>
  writeFile(join(lib, kind, name), data, { mode: 0o660 });

export const countFiles = async (dir: string) => (await readdir(dir).catch(() => [])).length;
