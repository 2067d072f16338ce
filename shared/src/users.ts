import { readFileSync } from 'node:fs';
import { ErrorCode, MtaError } from './errors.ts';

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

// Finds a user in passwd(5) text; pure so the lookup rules are testable without touching /etc.
export function parsePasswd(text: string, name: string): SystemUser | undefined {
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] !== name || f.length < 7) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
    return { name, uid, gid, home: f[5] ?? '/' };
  }
  return undefined;
}

// The gid of a group in group(5) text, or undefined.
export function parseGroup(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    const [n, , gid] = line.split(':');
    if (n === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

// Who holds a gid in passwd(5)/group(5) text: the groups of that number and the users whose primary group it is.
export function gidHolders(passwd: string, group: string, gid: number): string[] {
  const out: string[] = [];
  for (const line of group.split('\n')) {
    const [n, , g] = line.split(':');
    if (n && g !== undefined && /^\d+$/.test(g) && Number(g) === gid) out.push(`group ${n}`);
  }
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] && f.length >= 7 && /^\d+$/.test(f[3] ?? '') && Number(f[3]) === gid) out.push(`user ${f[0]}`);
  }
  return out;
}

const readDb = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new MtaError(ErrorCode.Io, `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
};

// Daemon uids/gids (amavis, vmail) differ between images and hosts, so they are looked up at run time, never assumed.
export async function lookupUser(name: string, passwdFile = '/etc/passwd'): Promise<SystemUser> {
  const user = parsePasswd(readDb(passwdFile), name);
  if (!user)
    throw new MtaError(ErrorCode.Config, `user ${name} not found in ${passwdFile} (the daemons' users come from the Debian packages)`);
  return user;
}

// A group's gid, or undefined when this image has no such group (mini and base have no amavis).
export async function lookupGroup(name: string, groupFile = '/etc/group'): Promise<number | undefined> {
  try {
    return parseGroup(readDb(groupFile), name);
  } catch {
    return undefined;
  }
}

// gidHolders on this system's databases.
export function systemGidHolders(gid: number, files = { passwd: '/etc/passwd', group: '/etc/group' }): string[] {
  return gidHolders(readDb(files.passwd), readDb(files.group), gid);
}

const idCache = new Map<string, number>();

// Numeric id of a user or group name (or a number given as text), for owners named in plans (vmail, postfix …).
export function numericId(kind: 'user' | 'group', name: string, files = { passwd: '/etc/passwd', group: '/etc/group' }): number {
  if (/^\d+$/.test(name)) return Number(name);
  const key = `${kind}:${name}:${files[kind === 'user' ? 'passwd' : 'group']}`;
  let id = idCache.get(key);
  if (id === undefined) {
    id = kind === 'user' ? parsePasswd(readDb(files.passwd), name)?.uid : parseGroup(readDb(files.group), name);
    if (id === undefined) throw new MtaError(ErrorCode.Config, `no ${kind} ${name} on this system`);
    idCache.set(key, id);
  }
  return id;
}

// The supplementary groups becomeUser sets. By default the user's own gid leads the list; with `exactGroups` the list
// is only the groups given (the own gid stays the real, effective and saved gid): a process that reads another trust
// domain's files then holds exactly the groups it was granted, /proc's Groups line shows nothing else, and a setgid
// program it runs (whose egid changes) no longer reaches what the user's own group may.
export function supplementaryGroups(user: SystemUser, groups: readonly number[], exactGroups = false): number[] {
  const given = [...new Set(groups)].filter((g) => g !== user.gid);
  return exactGroups ? given : [user.gid, ...given];
}

// Leaves root for good: the user's uid and primary group, plus the supplementary groups given (what the process must
// reach, nothing more). Returns false when there is nothing to leave (not started as root).
export function becomeUser(user: SystemUser, groups: readonly number[] = [], opts: { exactGroups?: boolean } = {}): boolean {
  const { setgroups, setgid, setuid } = process;
  if (process.getuid?.() !== 0 || user.uid === 0 || !setgroups || !setgid || !setuid) return false;
  setgroups(supplementaryGroups(user, groups, opts.exactGroups));
  setgid(user.gid);
  setuid(user.uid);
  return true;
}

// Started as root (the environment's __FILE secrets are root's to read), a sidecar becomes its own user `name`, with
// the groups named (each must exist), before it reads anything another trust domain wrote. Returns whether it switched.
export async function leaveRootFor(name: string, groups: readonly string[] = [], opts: { exactGroups?: boolean } = {}): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const user = await lookupUser(name);
  const gids: number[] = [];
  for (const group of groups) {
    const gid = await lookupGroup(group);
    if (gid === undefined) throw new MtaError(ErrorCode.Config, `group ${group} not found (the Debian package that uses it creates it)`);
    gids.push(gid);
  }
  return becomeUser(user, gids, opts);
}
