import { existsSync } from 'node:fs';
import { lchown, lstat, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Logger, type MtaPaths, makeDirs, writeIfChanged } from '@mta/shared';

// The system accounts of an image by name: Debian's packages take the next free system ids as they install, so the
// same account has another number in another release's image (bookworm's amavis is 995, trixie's 994, which is
// bookworm's spamd-learn group). Files on /srv carry numbers: a /srv written by one image is re-owned for the next.
export interface IdTable {
  users: Record<string, number>;
  groups: Record<string, number>;
}

// The accounts from 100 up (below are Debian's fixed ones), from /etc/passwd and /etc/group.
export function parseIdTable(passwd: string, group: string): IdTable {
  const table = (text: string) =>
    Object.fromEntries(
      text
        .split('\n')
        .map((l) => l.split(':'))
        .filter((f) => f.length > 2 && Number(f[2]) >= 100 && Number(f[2]) < 65534)
        .map((f) => [f[0] as string, Number(f[2])]),
    );
  return { users: table(passwd), groups: table(group) };
}

// Every bookworm image (all images before trixie): a /srv without a record of its ids was written with these.
export const BOOKWORM_IDS: IdTable = {
  users: {
    postsrsd: 100,
    nats: 101,
    haproxy: 102,
    postfix: 103,
    dovecot: 104,
    dovenull: 105,
    clamav: 106,
    opendkim: 107,
    opendmarc: 108,
    'debian-spamd': 109,
    'spamd-learn': 994,
    amavis: 995,
    'systemd-network': 996,
    'mta-milter': 997,
    '_runit-log': 998,
    'runit-log': 999,
    vmail: 5000,
  },
  groups: {
    users: 100,
    postsrsd: 101,
    nats: 102,
    'ssl-cert': 103,
    haproxy: 104,
    postfix: 105,
    postdrop: 106,
    dovecot: 107,
    dovenull: 108,
    crontab: 109,
    clamav: 110,
    opendkim: 111,
    opendmarc: 112,
    'debian-spamd': 113,
    'spamd-learn': 993,
    'mta-milter': 994,
    amavis: 995,
    'systemd-network': 996,
    'systemd-journal': 997,
    '_runit-log': 998,
    'runit-log': 999,
    vmail: 5000,
  },
};

export interface IdRemap {
  uid: Map<number, number>;
  gid: Map<number, number>;
}

// Old id -> this image's id of the same account, for each account both have under another number. Applied in one
// pass per file, so two accounts that swapped numbers end up right.
export function idRemap(old: IdTable, now: IdTable): IdRemap {
  const map = (a: Record<string, number>, b: Record<string, number>) =>
    new Map(
      Object.entries(a)
        .filter(([name, id]) => b[name] !== undefined && b[name] !== id)
        .map(([name, id]) => [id, b[name] as number]),
    );
  return { uid: map(old.users, now.users), gid: map(old.groups, now.groups) };
}

// Re-owns every file and directory below dir (symlinks themselves, never followed) by the remap; returns how many
// changed. A file that cannot be re-owned (a read-only volume) is skipped and counted in `refused`.
export async function remapOwners(dir: string, remap: IdRemap): Promise<{ changed: number; refused: string[] }> {
  const out = { changed: 0, refused: [] as string[] };
  const visit = async (path: string): Promise<void> => {
    const st = await lstat(path);
    const uid = remap.uid.get(st.uid) ?? st.uid;
    const gid = remap.gid.get(st.gid) ?? st.gid;
    if (uid !== st.uid || gid !== st.gid)
      await lchown(path, uid, gid).then(
        () => out.changed++,
        () => out.refused.push(path),
      );
    if (st.isDirectory()) for (const e of await readdir(path)) await visit(join(path, e));
  };
  await visit(dir);
  return out;
}

const idsFile = (paths: MtaPaths) => join(paths.srvEtc, 'mta/ids.json');

// At every start, before any daemon: a /srv whose files were owned under another image's ids (recorded in
// /srv/etc/mta/ids.json; none recorded: a bookworm image, unless /srv is this image's fresh skeleton) is re-owned to
// this image's ids, and this image's ids recorded. Returns the number of files re-owned.
export async function migrateOwners(root: string, paths: MtaPaths, unlockFile: string, log: Logger): Promise<number> {
  // A root without its own accounts (a test's directory, not an image): nothing names the numbers.
  if (!existsSync(join(root, 'etc/passwd')) || !existsSync(join(root, 'etc/group')) || !existsSync(join(root, 'srv'))) return 0;
  const now = parseIdTable(await readFile(join(root, 'etc/passwd'), 'utf8'), await readFile(join(root, 'etc/group'), 'utf8'));
  const file = idsFile(paths);
  const recorded = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as IdTable) : undefined;
  const old = recorded ?? (existsSync(unlockFile) && !existsSync(paths.effective) ? now : BOOKWORM_IDS);
  const remap = idRemap(old, now);
  let changed = 0;
  if (remap.uid.size || remap.gid.size) {
    const r = await remapOwners(join(root, 'srv'), remap);
    changed = r.changed;
    log.info(
      { event: 'seed.owners_migrated', files: r.changed, refused: r.refused.slice(0, 20), uids: [...remap.uid], gids: [...remap.gid] },
      `/srv was written by an image whose system accounts have other numbers: ${r.changed} files re-owned to this image's accounts${r.refused.length ? `, ${r.refused.length} could not be (read-only)` : ''}`,
    );
  }
  await makeDirs(dirname(file));
  await writeIfChanged(file, `${JSON.stringify(now, null, 2)}\n`, { mode: 0o644, uid: 0, gid: 0 });
  return changed;
}
