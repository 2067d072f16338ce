import { readdirSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ExecError, type Logger, type RazorRegistration, run } from '@mta/shared';

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
export type RazorOutcome = 'registered' | 'already' | 'unreachable';

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
  await mkdir(o.home, { recursive: true, mode: 0o750 });
  const { user, password } = o.registration;
  const args = [`-home=${o.home}`, '-register'];
  if (user) args.push(`-user=${user}`);
  if (password) args.push(`-pass=${password}`);
  if (o.server) args.push('-rs', o.server);
  try {
    await run('razor-admin', args, { timeoutMs: o.timeoutMs ?? 30_000, secrets: password ? [password] : [], log: o.log });
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
    if (o.owner) await chownTree(o.home, o.owner);
  }
}

async function chownTree(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  await chown(dir, owner.uid, owner.gid);
  for (const f of readdirSync(dir)) await chown(join(dir, f), owner.uid, owner.gid);
}
