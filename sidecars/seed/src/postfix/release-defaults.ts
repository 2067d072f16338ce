import { postfixAtLeast } from '@mta/shared';
import type { PlanPart, RenderContext } from '../plan.ts';

// Postfix defaults that changed between 3.7 (bookworm) and 3.10 (trixie), pinned so that a seeded configuration
// behaves the same on either release. Each one, and the variable that restores postfix's own default, is in
// docs/trixie-inventory.md ("Postfix 3.8–3.10 defaults"). Parameters a release does not know are rendered only
// where it does (from the daemons fact), so `postconf -n` warns on neither.
export function renderReleaseDefaults(ctx: RenderContext): PlanPart {
  const postconf: Record<string, string> = {
    // SMTP smuggling: 3.9+ requires <CR><LF>.<CR><LF> and treats a bare <LF> as a line end; bookworm's 3.7.11 has
    // the setting (backported) but defaults to "no", which lets a smuggled message through. The safer one on both.
    smtpd_forbid_bare_newline: 'normalize',
    // 3.9+ disconnects a client that pipelines where RFC 2920 forbids it (spam software does, real MTAs do not);
    // 3.7 only logged it. The safer one on both.
    smtpd_forbid_unauth_pipelining: 'yes',
  };
  // 3.8+ counts the connection and rate limits of IPv6 clients per /84, so every client of a provider's /84 (one
  // provider's outbound farm) shares the limits meant for one client, and the guard (which bans one address) no
  // longer agrees with postfix on who exceeded them. The limits stay per client, as on 3.7.
  if (postfixAtLeast(ctx.daemons, '3.8')) postconf.smtpd_client_ipv6_prefix_length = '128';
  // 3.10 honours a "TLS-Required: no" header (RFC 8689): anyone who can get a message relayed (a forwarding alias
  // from the internet) could lower SMTP_TLS_SECURITY_LEVEL to "may" for it, and with it send the relay credentials
  // over a connection a man in the middle has stripped of STARTTLS. 3.7 had no such header.
  if (postfixAtLeast(ctx.daemons, '3.10')) postconf.tls_required_enable = 'no';
  return { postconf };
}
