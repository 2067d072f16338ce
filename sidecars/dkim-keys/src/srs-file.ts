import { join } from 'node:path';
import { type Logger, readIfExists, run, supervised, writeAtomic } from '@mta/shared';

// The secret file: read without following a link, replaced atomically (a link planted at the path is replaced, never
// written through), root's alone (postsrsd opens it as root before it drops to its own user).
export const readSecretFile = async (path: string): Promise<string | undefined> => (await readIfExists(path))?.toString('utf8');

export async function writeSecretFile(path: string, content: string): Promise<void> {
  const root = process.getuid?.() === 0;
  await writeAtomic(path, content, { mode: 0o600, ...(root ? { uid: 0, gid: 0 } : {}) });
}

// postsrsd reads its secret once, at its start, so runit restarts it. Lookups on connections open at that moment are
// answered by postsrsd's per-connection children with the old secret (which stays a verify line); new ones wait for
// the new process. Not supervised (the service is not running here): nothing to restart, its next start reads the file.
export async function restartPostsrsd(serviceDir: string, log: Logger): Promise<void> {
  const service = join(serviceDir, 'postsrsd');
  if (!supervised(service)) return;
  await run('sv', ['restart', service], { timeoutMs: 10_000, log });
}
