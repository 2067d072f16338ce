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

// razor-admin, with the password handed over in the environment instead of `-pass=` on the command line (which
// every process in the container could read from ps): the same steps as /usr/bin/razor-admin, -pass added inside.
const RAZOR_ADMIN = [
  'push @ARGV, "-pass=$ENV{MTA_RAZOR_PASS}" if length($ENV{MTA_RAZOR_PASS} // "");',
  'my $agent = Razor2::Client::Agent->new("razor-admin") or die $Razor2::Client::Agent::errstr;',
  '$agent->read_options() or die $agent->errstr . "\n";',
  '$agent->do_conf() or die $agent->errstr . "\n";',
  'my $r = $agent->doit();',
  'print STDERR $agent->errstr if $r > 1;',
  'exit $r;',
].join(' ');

// The registration command: what runs (and shows in ps) and the environment that carries the password.
export function razorCommand(o: Pick<RazorRegisterOptions, 'registration' | 'home' | 'server'>): {
  file: string;
  args: string[];
  env: Record<string, string>;
} {
  const { user, password } = o.registration;
  const args = ['-MRazor2::Client::Agent', '-e', RAZOR_ADMIN, '--', `-home=${o.home}`, '-register'];
  if (user) args.push(`-user=${user}`);
  if (o.server) args.push('-rs', o.server);
  return { file: 'perl', args, env: password ? { MTA_RAZOR_PASS: password } : {} };
}

// RAZOR_REGISTRATION: registers an identity once. The Razor servers are often unreachable (offline hosts, tests),
// which must not stop the container: one warning, and checks keep working without an identity.
export async function registerRazor(o: RazorRegisterOptions): Promise<RazorOutcome> {
  if (hasIdentity(o.home)) return 'already';
  await mkdir(o.home, { recursive: true, mode: 0o750 });
  const { user, password } = o.registration;
  const cmd = razorCommand(o);
  try {
    await run(cmd.file, cmd.args, { env: cmd.env, timeoutMs: o.timeoutMs ?? 30_000, secrets: password ? [password] : [], log: o.log });
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
