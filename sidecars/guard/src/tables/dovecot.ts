import { chmod, lutimes, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GUARD_DENY_SHARD_DIGITS, type MtaPaths, tempName } from '@mta/shared';

// dovecot's side (guardDenyLookup): a deny passdb keyed by MD5(client address) in hex, as 2.3's %M{rip} and 2.4's
// %{remote_ip | md5 | hexlify} both compute it (passwd-file keys cannot hold an IPv6 address's colons), so these files
// serve either dovecot. dovecot re-reads a passwd-file whole when it changes, so the bans are spread over 256 files by
// the hash's first two hex digits (the passdb's file name): one ban rewrites one small file, whatever the number of bans.
const DIGITS = GUARD_DENY_SHARD_DIGITS;
export const SHARDS = Array.from({ length: 16 ** DIGITS }, (_, i) => i.toString(16).padStart(DIGITS, '0'));

export interface DenyEntry {
  ip: string;
  until: string;
  // denyKey(ip), when the caller has it already.
  key?: string;
}

const HEADER = '# Bans of the mta guard sidecar (mta guard ls); rewritten by it, never by hand.\n';

// node:crypto only once there is a ban to place: an idle guard never holds it.
export const denyKey = (ip: string): string => process.getBuiltinModule('node:crypto').createHash('md5').update(ip).digest('hex');
export const shardOf = (ip: string): string => denyKey(ip).slice(0, DIGITS);

function renderShard(entries: Iterable<DenyEntry>): string {
  let out = HEADER;
  for (const e of entries) out += `# ${e.ip} until ${e.until}\n${e.key ?? denyKey(e.ip)}:\n`;
  return out;
}

// The entries of a shard file as renderShard wrote them (the comment names the address of the key below it).
export function parseShard(text: string): DenyEntry[] {
  const out: DenyEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const m = /^# (\S+) until (\S+)$/.exec(lines[i] as string);
    if (m && lines[i + 1] === `${denyKey(m[1] as string)}:`) out.push({ ip: m[1] as string, until: m[2] as string });
  }
  return out;
}

// dovecot notices a changed passwd-file by its mtime (whole seconds) and size: two versions written within one second
// with the same size would look alike. Each write moves the mtime past the previous one's. Renamed into place (never
// half-read), not fsynced: the ban files are the truth, and the shards are rebuilt from them at every start.
async function writeShard(path: string, content: string): Promise<void> {
  const prev = await stat(path).then(
    (s) => Math.floor(s.mtimeMs / 1000),
    () => 0,
  );
  const sec = Math.max(Math.floor(Date.now() / 1000), prev + 1);
  const tmp = tempName(path);
  try {
    await writeFile(tmp, content, { mode: 0o644, flag: 'wx' });
    await chmod(tmp, 0o644);
    await lutimes(tmp, sec, sec);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

const shardPath = (paths: MtaPaths, shard: string): string => join(paths.guardDovecotDir, shard);

// Rewrites one shard with exactly these entries.
export const putShard = (paths: MtaPaths, shard: string, entries: Iterable<DenyEntry>): Promise<void> =>
  writeShard(shardPath(paths, shard), renderShard(entries));

// Edits one shard as found on disk (the CLI, which holds no list of bans): put and drop addresses.
export async function editShard(paths: MtaPaths, shard: string, put: readonly DenyEntry[], drop: readonly string[]): Promise<void> {
  await mkdir(paths.guardDovecotDir, { recursive: true, mode: 0o755 });
  const text = await readFile(shardPath(paths, shard), 'utf8').catch(() => HEADER);
  const byIp = new Map(parseShard(text).map((e) => [e.ip, e]));
  for (const ip of drop) byIp.delete(ip);
  for (const e of put) byIp.set(e.ip, e);
  await putShard(paths, shard, byIp.values());
}

// Every shard from nothing (start-up): dovecot finds a file for every address (a missing one is logged per login,
// one it may not read fails every login). Shards that already hold exactly this are left alone.
export async function dovecotRebuild(paths: MtaPaths, entries: readonly DenyEntry[]): Promise<void> {
  const dir = paths.guardDovecotDir;
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755);
  const by = new Map<string, DenyEntry[]>(SHARDS.map((s) => [s, []]));
  for (const e of entries) by.get(shardOf(e.ip))?.push(e);
  for (const [shard, list] of by) {
    const path = shardPath(paths, shard);
    const want = renderShard(list);
    if ((await readFile(path, 'utf8').catch(() => undefined)) === want) {
      await chmod(path, 0o644);
      continue;
    }
    await writeShard(path, want);
  }
  const known = new Set(SHARDS);
  for (const name of await readdir(dir)) if (!known.has(name)) await rm(join(dir, name), { force: true, recursive: true });
}
