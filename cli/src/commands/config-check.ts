import { detectVariant, ErrorCode, formatIssue, isVariant, mailboxSources, parseEnv, rootOf, VARIANTS } from '@mta/shared';
import { type CliIo, failure } from '../io.ts';

// `mta config check`: the seed's verdict on the environment without seeding (the same parser and rules, for this
// image's variant unless --variant names another): every problem on stderr, exit 1. Prints nothing secret.
export function configCheck(io: CliIo, opts: { quiet?: boolean; variant?: string }): void {
  if (opts.variant !== undefined && !isVariant(opts.variant)) {
    throw failure(io, ErrorCode.Usage, `mta config check: --variant must be one of ${VARIANTS.join(', ')}`);
  }
  const variant = isVariant(opts.variant) ? opts.variant : detectVariant(rootOf(io.env));
  const r = parseEnv(io.env, { variant });
  for (const w of r.warnings) io.err(`warning: ${formatIssue(w)}`);
  if (!r.ok) {
    for (const e of r.errors) io.err(formatIssue(e));
    throw failure(io, ErrorCode.Config, `${r.errors.length} configuration error${r.errors.length > 1 ? 's' : ''}`);
  }
  if (opts.quiet) return;
  const domains = (r.config.MAIL_DOMAIN ?? []).join(', ') || 'none';
  const mode = mailboxSources(r.config).length ? 'mailboxes' : 'relay only (no mailbox source)';
  io.out(`configuration ok (${variant}): ${mode}; domains ${domains}`);
}
