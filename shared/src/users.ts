import { readFile } from 'node:fs/promises';
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

// Daemon uids/gids (amavis, vmail) differ between images and hosts, so they are looked up at run time, never assumed.
export async function lookupUser(name: string, passwdFile = '/etc/passwd'): Promise<SystemUser> {
  const text = await readFile(passwdFile, 'utf8').catch((e: unknown) => {
    throw new MtaError(ErrorCode.Io, `cannot read ${passwdFile}: ${(e as Error).message}`, { cause: e });
  });
  const user = parsePasswd(text, name);
  if (!user)
    throw new MtaError(ErrorCode.Config, `user ${name} not found in ${passwdFile} (the daemons' users come from the Debian packages)`);
  return user;
}
