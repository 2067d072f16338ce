import { MtaError } from '@mta/shared';
import { Command, CommanderError } from 'commander';
import { registerAmavis } from './commands/amavis.ts';
import { configCheck } from './commands/config-check.ts';
import { configExplain } from './commands/config-explain.ts';
import { registerDhparam } from './commands/dhparam.ts';
import { registerDkim } from './commands/dkim.ts';
import { registerDns } from './commands/dns.ts';
import { events } from './commands/events.ts';
import { registerFleetAdmin } from './commands/fleet-admin.ts';
import { fleetStatus } from './commands/fleet-status.ts';
import { registerGuard } from './commands/guard.ts';
import { registerLearn } from './commands/learn.ts';
import { addLs } from './commands/ls.ts';
import { quarantineLs, quarantineRelease } from './commands/quarantine.ts';
import { status } from './commands/status.ts';
import { type CliIo, exitStatus, wasTold } from './io.ts';
import { VERSION } from './version.ts';

// Builds the `mta` command tree; each command lives in commands/ and gets the injected io.
function buildProgram(io: CliIo): Command {
  const program = new Command('mta')
    .description('Operator tool of the mta mail container (postfix, dovecot, amavis)')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  const config = program.command('config').description('inspect and validate the configuration');
  config
    .command('check')
    .description('validate the environment variables; all errors at once, exit 1 when invalid')
    .option('-q, --quiet', 'print nothing when valid')
    .option('--variant <variant>', "check for this image variant (mini, base, full) instead of this image's")
    .action((opts: { quiet?: boolean; variant?: string }) => configCheck(io, opts));
  config
    .command('explain [VAR]')
    .description('describe one variable (format, default, example, secret), or list all by topic')
    .action((name?: string) => configExplain(io, name));

  program
    .command('status')
    .description('variant, node, domains, seeding state and supervised services')
    .action(() => status(io));

  program
    .command('events [subject]')
    .description('print bus events live as JSON lines (default subject mta.>)')
    .option('-n, --count <n>', 'exit after n events', Number)
    .option('--timeout <ms>', 'how long to wait for the bus', Number, 5000)
    .action((subject: string | undefined, opts: { count?: number; timeout: number }) =>
      events(io, { subject: subject ?? 'mta.>', count: opts.count, timeout: opts.timeout }),
    );

  const fleet = program.command('fleet').description('fleet mode (several MX nodes on one NATS cluster)');
  registerFleetAdmin(fleet, io);
  fleet
    .command('status')
    .description('nodes seen, their certificate serial, DKIM fingerprints and learn backlog')
    .option('--wait <ms>', 'how long to collect heartbeats', Number, 12_000)
    .option('--json', 'print JSON')
    .action((opts: { wait: number; json?: boolean }) => fleetStatus(io, { waitMs: opts.wait, json: opts.json }));

  const quarantine = program.command('quarantine').description('messages amavis blocked and kept (virus, spam, banned)');
  addLs(quarantine, 'list quarantined messages: id, date, sender, recipients, subject, reason (alias: amavis-ls)', (opts) =>
    quarantineLs(io, opts),
  );
  quarantine
    .command('release <id>')
    .description('deliver a quarantined message to its recipients (like amavisd-release)')
    .action((id: string) => quarantineRelease(io, id));

  registerAmavis(program, io);
  registerDhparam(program, io);
  registerDkim(program, io);
  registerDns(program, io);
  registerGuard(program, io);
  registerLearn(program, io);

  return program;
}

// Runs the CLI and returns the exit code instead of exiting, so tests can call it.
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    const error = MtaError.from(e);
    if (!wasTold(error)) io.err(`mta: ${error.message}`);
    return exitStatus(error.code);
  }
}
