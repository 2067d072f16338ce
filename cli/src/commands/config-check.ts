import { detectVariant, formatIssue, isVariant, mailboxSources, parseEnv, rootOf, VARIANTS } from '@mta/shared';
import { CliExit, type CliIo } from '../io.ts';

// `mta config check`: the seed's verdict on the environment without seeding (the same parser and rules, for this
// image's variant unless --variant names another): every problem on stderr, exit 1. Prints nothing secret.
export function configCheck(io: CliIo, opts: { quiet?: boolean; variant?: string }): void {
  if (opts.variant !== undefined && !isVariant(opts.variant)) {
    io.err(`mta config check: --variant must be one of ${VARIANTS.join(', ')}`);
    throw new CliExit(2);
  }
  const variant = isVariant(opts.variant) ? opts.variant : detectVariant(rootOf(io.env));
  const r = parseEnv(io.env, { variant });
  for (const w of r.warnings) io.err(`warning: ${formatIssue(w)}`);
  if (!r.ok) {
    for (const e of r.errors) io.err(formatIssue(e));
    io.err(`${r.errors.length} configuration error${r.errors.length > 1 ? 's' : ''}`);
    throw new CliExit(1);
  }
  if (opts.quiet) return;
  const domains = (r.config.MAIL_DOMAIN ?? []).join(', ') || 'none';
  const mode = mailboxSources(r.config).length ? 'mailboxes' : 'relay only (no mailbox source)';
  io.out(`configuration ok (${variant}): ${mode}; domains ${domains}`);
}
