import { chmod, chown, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, MtaError, writeAtomic, writeIfChanged } from '@mta/shared';
import type { KeyInfo } from './keyinfo.ts';
import { type KeyId, txtFileName } from './names.ts';
import { renderTxtRecord } from './txt.ts';

export type Owner = { uid: number; gid: number } | undefined;

// Readable by the amavis group only; amavis loads keys after dropping privileges (and again on every reload).
export const KEY_MODE = 0o640;

// The bytes of a file, or undefined when it does not exist.
export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw MtaError.from(e, ErrorCode.Io);
  }
}

// Identity of a rejected file's content, so the same broken file is reported once, a changed one again.
export const contentMark = (content: Buffer): string =>
  `rejected:${process.getBuiltinModule('node:crypto').createHash('sha256').update(content).digest('hex')}`;

export async function writeKey(path: string, pem: string, owner: Owner): Promise<void> {
  await writeAtomic(path, pem, { mode: KEY_MODE, uid: owner?.uid, gid: owner?.gid });
}

// The replaced key stays recoverable as <file>.bak, with the same protection as the key itself.
export async function backupKey(path: string, content: Buffer, owner: Owner): Promise<void> {
  await writeAtomic(`${path}.bak`, content, { mode: 0o600, uid: owner?.uid, gid: owner?.gid });
}

// Files copied in by an operator (docker cp, amavisd genrsa) get the owner and mode amavis needs; content untouched.
export async function fixKeyPerms(path: string, owner: Owner): Promise<void> {
  const st = await stat(path);
  if ((st.mode & 0o777) !== KEY_MODE) await chmod(path, KEY_MODE);
  if (owner && (st.uid !== owner.uid || st.gid !== owner.gid)) await chown(path, owner.uid, owner.gid);
}

// The zone-file record next to the key; rewritten only when it changed.
export async function writeTxt(dir: string, k: KeyId, info: KeyInfo): Promise<boolean> {
  return writeIfChanged(join(dir, txtFileName(k)), renderTxtRecord(k, info.dnsValue), { mode: 0o644 });
}
