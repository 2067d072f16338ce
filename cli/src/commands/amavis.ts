import { createLogger, mtaPaths, type ReloadOutcome, reloadAmavis, rootOf } from '@mta/shared';
import type { Command } from 'commander';
import { requireDaemon } from '../component.ts';
import type { CliIo } from '../io.ts';

const SAID: Record<ReloadOutcome, string> = {
  reloaded: 'amavis reloaded',
  covered: 'amavis: a reload sent after this request already covers it',
  'not running': 'amavis is not running; nothing to reload',
};

// `mta amavis reload`: amavis re-reads its configuration, spaced from every other reload (dkim-keys, sa-update): a
// second SIGHUP while amavis re-executes would kill it. Waits up to the gap (20 s) when one was just sent.
export async function amavisReload(io: CliIo, opts: { reason?: string } = {}): Promise<void> {
  requireDaemon('amavis', 'amavis reload', io);
  // Warnings (a pid file naming another process) as JSON lines on stderr; the outcome in words on stdout.
  const log = createLogger({
    sidecar: 'mta',
    node: io.env.HOSTNAME || 'mta',
    syslogLevel: 4,
    destination: { write: (l) => io.err(l.trimEnd()) },
  });
  const outcome = await reloadAmavis({ paths: mtaPaths(rootOf(io.env)), log, reason: opts.reason ?? 'cli' });
  io.out(SAID[outcome]);
}

// Registers `mta amavis reload [--reason <who>]`.
export function registerAmavis(program: Command, io: CliIo): void {
  const amavis = program.command('amavis').description('the content filter daemon');
  amavis
    .command('reload')
    .description('make amavis re-read its configuration, at least 20 s after any other reload')
    .option('--reason <who>', 'who asks, for the log (the run scripts name themselves)')
    .action((opts: { reason?: string }) => amavisReload(io, opts));
}
