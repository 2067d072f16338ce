import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { ErrorCode, MtaError, stampOf, writeIfChanged } from '@mta/shared';
import { type Inspection, inspectKey, type KeyInfo } from './keyinfo.ts';

// A key file as the sidecar sees it: `content` is left out when an unchanged valid key came from the cache.
export interface KeyFile {
  size: number;
  content?: Buffer;
  result: Inspection;
}

// Public facts of valid key files by stamp, kept on disk: the watching service started right after the `--once`
// entry step reuses them instead of parsing every key again, so it idles without node:crypto (~4 MB).
export class KeyInfoCache {
  private entries = new Map<string, { stamp: string; info: KeyInfo }>();
  private dirty = false;

  private constructor(private readonly file: string | undefined) {}

  // A missing, unreadable or foreign cache file is an empty cache: it only ever saves work.
  static async open(file?: string): Promise<KeyInfoCache> {
    const cache = new KeyInfoCache(file);
    if (!file) return cache;
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, { stamp: string; info: KeyInfo }>;
      for (const [path, e] of Object.entries(saved))
        if (typeof e?.stamp === 'string' && typeof e.info?.fingerprint === 'string') cache.entries.set(path, e);
    } catch {
      // start empty
    }
    return cache;
  }

  // The file's size, content and verdict, or undefined when it does not exist.
  async inspect(path: string): Promise<KeyFile | undefined> {
    let st: Stats;
    let content: Buffer;
    try {
      // Stat before reading: a write in between leaves a stamp that never matches again, never a wrong verdict.
      st = await stat(path);
      const hit = this.entries.get(path);
      if (hit && hit.stamp === stampOf(st)) return { size: st.size, result: { ok: true, info: hit.info } };
      content = await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw MtaError.from(e, ErrorCode.Io);
    }
    if (content.length === 0) return { size: 0, content, result: { ok: false, reason: 'empty file' } };
    const result = inspectKey(content);
    if (result.ok) this.entries.set(path, { stamp: stampOf(st), info: result.info });
    else this.entries.delete(path);
    this.dirty = true;
    return { size: content.length, content, result };
  }

  // Forgets files no longer present and writes the cache when it changed (root only: it decides what is signed).
  async save(present: readonly string[]): Promise<void> {
    for (const path of this.entries.keys())
      if (!present.includes(path)) {
        this.entries.delete(path);
        this.dirty = true;
      }
    if (!this.file || !this.dirty) return;
    await writeIfChanged(this.file, `${JSON.stringify(Object.fromEntries(this.entries))}\n`, { mode: 0o600 });
    this.dirty = false;
  }
}

// A key file through the core's cache when it has one.
export async function inspectKeyFile(core: { keyCache?: KeyInfoCache }, path: string): Promise<KeyFile | undefined> {
  return (core.keyCache ?? (await KeyInfoCache.open())).inspect(path);
}
