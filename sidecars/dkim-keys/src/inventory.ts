import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isUnsafe, type KeyId, parseKeyFileName, readNoFollow } from '@mta/shared';
import { inspectKey, type KeyInfo } from './keyinfo.ts';

export interface KeyEntry extends KeyId {
  file: string;
  // Public facts, or why the file is unusable.
  info?: KeyInfo;
  problem?: string;
}

// Every key file in the dir with its public facts, sorted by domain then selector (for the CLI and status).
export async function listKeys(dir: string): Promise<KeyEntry[]> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  const out: KeyEntry[] = [];
  for (const name of names.sort()) {
    const id = parseKeyFileName(name);
    if (!id) continue;
    const file = join(dir, name);
    const data = await readNoFollow(file).then(
      (f) => f.data,
      (e: unknown) => {
        if (isUnsafe(e)) return e.reason;
        throw e;
      },
    );
    const r = typeof data === 'string' ? { ok: false as const, reason: `refused: ${data}` } : inspectKey(data);
    out.push(r.ok ? { ...id, file, info: r.info } : { ...id, file, problem: r.reason });
  }
  return out.sort((a, b) => a.domain.localeCompare(b.domain) || a.selector.localeCompare(b.selector));
}
