import type { PlanPart, RenderContext } from '../plan.ts';

// The postlogd service that writes maillog_file; without it postfix refuses a maillog_file setting.
const POSTLOG_ENTRY = 'postlog   unix-dgram n  -       n       -       1       postlogd';

// Postfix logs to the container's stdout (docker logs) through postlogd; SYSLOG_LEVEL 7 adds TLS session detail for
// incoming sessions, since postfix itself has no level filter. Outgoing sessions always log their one summary line
// (Verified / Trusted / Untrusted / Anonymous TLS connection established): what DANE did, and what the metrics count.
export function renderLogging(ctx: RenderContext): PlanPart {
  const tls = ctx.config.SYSLOG_LEVEL >= 7 ? '1' : '0';
  return {
    postconf: { maillog_file: '/dev/stdout', smtpd_tls_loglevel: tls, smtp_tls_loglevel: '1' },
    master: [{ service: 'postlog', type: 'unix-dgram', entry: POSTLOG_ENTRY }],
  };
}
