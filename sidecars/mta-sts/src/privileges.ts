import { becomeUser, ensureDir, fixOwnershipShallow, lookupUser, type SystemUser } from '@mta/shared';

// The sidecar's own user (image/lib/image-setup): no home, no shell, in no other group.
export const STS_USER = 'mta-sts';

// Started as root (the environment's __FILE secrets and the fleet key are root's to read), the sidecar hands the
// directories it writes to STS_USER (its policy cache, its TLS-RPT counts, its fleet ledger: made when missing,
// 0700, with what is directly in them, which an earlier version wrote as root), then becomes that user for good.
// Its sockets live in /run/mta/mta-sts, which the run script makes STS_USER's with group postfix (0750): postfix
// reaches them, no one else. Returns the user it became, or undefined when it was not root (tests).
export async function leaveRoot(dirs: readonly string[]): Promise<SystemUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const user = await lookupUser(STS_USER);
  for (const dir of dirs) {
    await ensureDir(dir, { mode: 0o700, uid: user.uid, gid: user.gid });
    await fixOwnershipShallow(dir, { uid: user.uid, gid: user.gid });
  }
  return becomeUser(user) ? user : undefined;
}
