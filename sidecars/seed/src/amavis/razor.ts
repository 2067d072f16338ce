import { readdirSync } from 'node:fs';
import { type ExecError, ensureDir, fixOwnershipShallow, type Logger, type RazorRegistration, RefusedPaths, run } from '@mta/shared';

// Everything registerRazor touches is passed in, so tests never reach the real Razor network.
export interface RazorRegisterOptions {
  registration: RazorRegistration;
  // amavis's razor home (SpamAssassin's razor_config points here).
  home: string;
  log: Logger;
  // Owner of the identity files (amavis), so SpamAssassin inside amavis can read them.
  owner?: { uid: number; gid: number };
  // A fixed Razor server instead of DNS discovery (tests point this at a dead loopback port).
  server?: string;
  timeoutMs?: number;
}

// What happened, for the caller's event/log; never an error.
export type RazorOutcome = 'registered' | 'already' | 'unreachable' | 'refused';

const hasIdentity = (home: string): boolean => {
  try {
    return readdirSync(home).some((f) => f === 'identity' || f.startsWith('identity-'));
  } catch {
    return false;
  }
};

// RAZOR_REGISTRATION: registers an identity once. The Razor servers are often unreachable (offline hosts, tests),
// which must not stop the container: one warning, and checks keep working without an identity.
export async function registerRazor(o: RazorRegisterOptions): Promise<RazorOutcome> {
  if (hasIdentity(o.home)) return 'already';
  // The home sits in amavis's tree: a link in its place is refused (logged once), never followed.
  const refused = new RefusedPaths(o.log, 'seed');
  try {
    await ensureDir(o.home, { mode: 0o750, ...o.owner });
  } catch (e) {
    if (refused.report(e)) return 'refused';
    throw e;
  }
  const { user, password } = o.registration;
  const args = [`-home=${o.home}`, '-register'];
  if (user) args.push(`-user=${user}`);
  if (password) args.push(`-pass=${password}`);
  if (o.server) args.push('-rs', o.server);
  // As amavis when we are root: razor-admin writes into amavis's directory with amavis's rights only.
  const drop = o.owner && process.getuid?.() === 0 && o.owner.uid !== 0;
  const [file, argv] =
    drop && o.owner
      ? ['setpriv', [`--reuid=${o.owner.uid}`, `--regid=${o.owner.gid}`, '--clear-groups', 'razor-admin', ...args]]
      : ['razor-admin', args];
  try {
    await run(file, argv, { timeoutMs: o.timeoutMs ?? 30_000, secrets: password ? [password] : [], log: o.log });
    o.log.info({ event: 'razor.registered', user: user || '(assigned)' }, 'Razor identity registered');
    return 'registered';
  } catch (e) {
    const err = e as ExecError;
    o.log.warn(
      { event: 'razor.register.failed', reason: err.stderrTail || err.message },
      'RAZOR_REGISTRATION: Razor servers unreachable, continuing without a registered identity (spam reports disabled)',
    );
    return 'unreachable';
  } finally {
    // Entries an older image's razor-admin made as root; links among them are skipped, never followed.
    if (o.owner) for (const e of (await fixOwnershipShallow(o.home, o.owner)).refused) refused.report(e);
  }
}
