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
export function razorCommand(opts: Pick<RazorRegisterOptions, 'registration' | 'home' | 'server'>): {
  file: string;
  args: string[];
  env: Record<string, string>;
} {
  const { user, password } = opts.registration;
  const args = ['-MRazor2::Client::Agent', '-e', RAZOR_ADMIN, '--', `-home=${opts.home}`, '-register'];
  if (user) args.push(`-user=${user}`);
  if (opts.server) args.push('-rs', opts.server);
  return { file: 'perl', args, env: password ? { MTA_RAZOR_PASS: password } : {} };
}

// RAZOR_REGISTRATION: registers an identity once. The Razor servers are often unreachable (offline hosts, tests),
// which must not stop the container: one warning, and checks keep working without an identity.
export async function registerRazor(opts: RazorRegisterOptions): Promise<RazorOutcome> {
  if (hasIdentity(opts.home)) return 'already';
  // The home sits in amavis's tree: a link in its place is refused (logged once), never followed.
  const refused = new RefusedPaths(opts.log, 'seed');
  try {
    await ensureDir(opts.home, { mode: 0o750, ...opts.owner });
  } catch (e) {
    if (refused.report(e)) return 'refused';
    throw e;
  }
  const { user, password } = opts.registration;
  // As amavis when we are root: razor-admin writes into amavis's directory with amavis's rights only.
  const cmd = razorCommand(opts);
  const drop = opts.owner && process.getuid?.() === 0 && opts.owner.uid !== 0;
  const [file, args] =
    drop && opts.owner
      ? ['setpriv', [`--reuid=${opts.owner.uid}`, `--regid=${opts.owner.gid}`, '--clear-groups', cmd.file, ...cmd.args]]
      : [cmd.file, cmd.args];
  try {
    await run(file, args, { env: cmd.env, timeoutMs: opts.timeoutMs ?? 30_000, secrets: password ? [password] : [], log: opts.log });
    opts.log.info({ event: 'razor.registered', user: user || '(assigned)' }, 'Razor identity registered');
    return 'registered';
  } catch (e) {
    const err = e as ExecError;
    opts.log.warn(
      { event: 'razor.register.failed', reason: err.stderrTail || err.message },
      'RAZOR_REGISTRATION: Razor servers unreachable, continuing without a registered identity (spam reports disabled)',
    );
    return 'unreachable';
  } finally {
    // Entries an older image's razor-admin made as root; links among them are skipped, never followed.
    if (opts.owner) for (const e of (await fixOwnershipShallow(opts.home, opts.owner)).refused) refused.report(e);
  }
}
