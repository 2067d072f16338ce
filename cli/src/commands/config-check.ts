import { formatIssue, parseEnv } from '@mta/shared';
import { CliExit, type CliIo } from '../io.ts';

// `mta config check`: validates the environment; every problem on stderr, exit 1. Prints nothing secret.
export function configCheck(io: CliIo, opts: { quiet?: boolean }): void {
  const r = parseEnv(io.env);
  if (!r.ok) {
    for (const e of r.errors) io.err(formatIssue(e));
    io.err(`${r.errors.length} configuration error${r.errors.length > 1 ? 's' : ''}`);
    throw new CliExit(1);
  }
  if (!opts.quiet) io.out(`configuration ok: domains ${(r.config.MAIL_DOMAIN ?? []).join(', ')}`);
}
