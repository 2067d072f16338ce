import { Command, CommanderError } from 'commander';
import { configCheck } from './commands/config-check.ts';
import { CliExit, type CliIo } from './io.ts';
import { VERSION } from './version.ts';

// Builds the `mta` command tree; each command lives in commands/ and gets the injected io.
export function buildProgram(io: CliIo): Command {
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
    .action((opts: { quiet?: boolean }) => configCheck(io, opts));

  return program;
}

// Runs the CLI and returns the exit code instead of exiting, so tests can call it.
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CliExit) return e.exitCode;
    if (e instanceof CommanderError) return e.exitCode;
    io.err(`mta: ${(e as Error).message}`);
    return 1;
  }
}
