import { opendirSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, normalizeIp, readHeadSync, writeAtomic } from '@mta/shared';
import { type Ban, parseBan } from './ban.ts';

const nameOf = (ip: string): string => `${ip.replace(/:/g, '_')}.json`;
// Far above any ban file (an address, two times, a reason, a node name); a larger file is not a ban.
const BAN_FILE_MAX = 8192;

// The names in a directory, one by one; none when it does not exist (yet).
function* names(dir: string): Generator<string> {
  let d: ReturnType<typeof opendirSync>;
  try {
    d = opendirSync(dir, { bufferSize: 256 });
  } catch {
    return;
  }
  try {
    for (let e = d.readSync(); e; e = d.readSync()) yield e.name;
  } finally {
    d.closeSync();
  }
}

// The bans on disk, one file per address under <guard state>/bans (persisted on /srv): the guard, `mta guard` and
// fleet entries each change one file atomically, so no writer needs a lock and a restart keeps every ban.
export class BanStore {
  readonly dir: string;
  constructor(stateDir: string) {
    this.dir = join(stateDir, 'bans');
  }

  private file(ip: string): string {
    return join(this.dir, nameOf(ip));
  }

  // The address a ban file name stands for (the watcher's view); undefined for temp files and anything else.
  ipOf(name: string): string | undefined {
    if (name.startsWith('.') || !name.endsWith('.json')) return undefined;
    const ip = normalizeIp(name.slice(0, -5).replace(/_/g, ':'));
    return ip && nameOf(ip) === name ? ip : undefined;
  }

  async ensure(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  // Every readable ban; files that do not parse are skipped (and reported), never trusted, and links are not
  // followed. Read synchronously: a ban file is a few hundred bytes, and at 100,000 bans the promise API's round trips
  // per file made the guard's cold start 30 s (about 2 s this way). The directory is read as a stream of entries, not
  // as a list of every name (~5 MB at 100,000 bans, held through the whole read).
  async list(onBad?: (file: string) => void): Promise<Ban[]> {
    const out: Ban[] = [];
    const buf = Buffer.alloc(BAN_FILE_MAX);
    for (const n of names(this.dir)) {
      if (!n.endsWith('.json')) continue;
      const head = readHeadSync(join(this.dir, n), buf);
      if (!head) continue;
      let ban: Ban | undefined;
      try {
        ban = head.bytes < buf.length ? parseBan(JSON.parse(buf.toString('utf8', 0, head.bytes))) : undefined;
      } catch {
        ban = undefined;
      }
      if (ban && this.file(ban.ip) === join(this.dir, n)) out.push(ban);
      else onBad?.(n);
    }
    return out.sort((a, b) => a.until.localeCompare(b.until));
  }

  // The ban on file for this address, if its file holds a valid ban for it.
  async get(ip: string): Promise<Ban | undefined> {
    try {
      const ban = parseBan(JSON.parse(await readFile(this.file(ip), 'utf8')));
      return ban?.ip === ip ? ban : undefined;
    } catch {
      return undefined;
    }
  }

  // syncDir false: the caller fsyncs the directory once for a batch (syncDir()).
  async put(ban: Ban, opts: { syncDir?: boolean } = {}): Promise<void> {
    await this.ensure();
    await writeAtomic(this.file(ban.ip), `${JSON.stringify(ban)}\n`, { mode: 0o600, syncDir: opts.syncDir });
  }

  syncDir(): Promise<void> {
    return fsyncDir(this.dir);
  }

  // True when there was a ban to remove.
  async remove(ip: string): Promise<boolean> {
    return rm(this.file(ip)).then(
      () => true,
      () => false,
    );
  }
}
