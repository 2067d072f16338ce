import { join } from 'node:path';
import {
  fixOwnership,
  isUnsafe,
  type KeyId,
  type RefusedPaths,
  readIfExists,
  renderTxtRecord,
  txtFileName,
  writeAtomic,
  writeIfChanged,
} from '@mta/shared';
import type { KeyInfo } from './keyinfo.ts';

export type Owner = { uid: number; gid: number } | undefined;

// Readable by the amavis group only; amavis loads keys after dropping privileges (and again on every reload).
const KEY_MODE = 0o640;

// The bytes of a key file, or undefined when it does not exist or is refused (a planted link: logged once, and
// the atomic write that follows replaces the link, never its target).
export async function readKeyBytes(core: { refused: RefusedPaths }, path: string): Promise<Buffer | undefined> {
  try {
    return await readIfExists(path);
  } catch (e) {
    if (isUnsafe(e) && core.refused.report(e)) return undefined;
    throw e;
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
// Through a handle that never followed a link and refuses a hard link: amavis cannot get another file re-owned.
export async function fixKeyPerms(path: string, owner: Owner): Promise<void> {
  await fixOwnership(path, { mode: KEY_MODE, ...owner }, { kind: 'file' });
}

// The zone-file record next to the key; rewritten only when it changed. A link planted in its place is refused and
// logged once; signing goes on.
export async function writeTxt(core: { dir: string; refused: RefusedPaths }, k: KeyId, info: KeyInfo): Promise<boolean> {
  try {
    return await writeIfChanged(join(core.dir, txtFileName(k)), renderTxtRecord(k, info.dnsValue), { mode: 0o644 });
  } catch (e) {
    if (isUnsafe(e) && core.refused.report(e)) return false;
    throw e;
  }
}
