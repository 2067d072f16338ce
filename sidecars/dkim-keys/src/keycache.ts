import type { Stats } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { ErrorCode, isUnsafe, MtaError, type RefusedPaths, readNoFollow, stampOf, writeIfChanged } from '@mta/shared';
import { type Inspection, inspectKey, type KeyInfo } from './keyinfo.ts';

// A key file as the sidecar sees it: `content` is left out when an unchanged valid key came from the cache.
export interface KeyFile {
  size: number;
  content?: Buffer;
  result: Inspection;
  // A link, hard link or non-file planted in the key dir: never read, already logged (fs.refused).
  refused?: boolean;
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

  // The file's size, content and verdict, or undefined when it does not exist. The key dir belongs to amavis: the
  // file is read without following links (UnsafePathError for a link, hard link or non-file).
  async inspect(path: string): Promise<KeyFile | undefined> {
    let st: Stats;
    let content: Buffer;
    try {
      // Stat before reading: a write in between leaves a stamp that never matches again, never a wrong verdict.
      const cached = await lstat(path);
      const hit = this.entries.get(path);
      if (hit && cached.isFile() && hit.stamp === stampOf(cached)) return { size: cached.size, result: { ok: true, info: hit.info } };
      ({ data: content, st } = await readNoFollow(path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (isUnsafe(e)) throw e;
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

// A key file through the core's cache when it has one; a refused path is logged once and comes back `refused`.
export async function inspectKeyFile(core: { keyCache?: KeyInfoCache; refused: RefusedPaths }, path: string): Promise<KeyFile | undefined> {
  try {
    const kf = await (core.keyCache ?? (await KeyInfoCache.open())).inspect(path);
    if (kf) core.refused.forget(path);
    return kf;
  } catch (e) {
    if (!isUnsafe(e) || !core.refused.report(e)) throw e;
    return { size: 0, refused: true, result: { ok: false, reason: e.reason } };
  }
}
