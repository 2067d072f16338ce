import { join } from 'node:path';
import type { PlanPart, RenderContext } from '../plan.ts';

// The map name postfix asks the mta-sts sidecar for (socketmap:unix:<socket>:<name>).
export const STS_MAP = 'mta-sts';

// What the mta-sts sidecar reads at start: the socketmap it serves to postfix (absent: no outbound MTA-STS, the
// sidecar only publishes our policy).
export interface MtaStsSettings {
  socket?: string;
  map?: string;
}

const OVERRIDES = `# TLS policy overrides for single destinations, checked before relays and MTA-STS/DANE (smtp_tls_policy_maps).
# One "<domain> <level> [attributes]" per line, e.g. "example.org may" to deliver to a domain whose MTA-STS policy is
# broken, or "bank.example secure match=.bank.example". Then: postfix reload. See docs/mta-sts.md.
`;

// Mail through a relay host is the relay's to deliver: its policy lookups would name the relay, not the destination.
export const relayed = (ctx: Pick<RenderContext, 'config' | 'env'>): boolean =>
  !!ctx.config.SMTP_RELAY_HOSTAUTH || !!ctx.env.RELAYHOST?.trim();

// The first of the TLS policy maps: the operator's overrides (texthash: read when an smtp process starts, so a
// `postfix reload` applies an edit; no postmap). Created empty once, never rewritten. Runs before the relay
// renderers so its entry comes first in smtp_tls_policy_maps.
export function renderTlsOverrides(ctx: RenderContext): PlanPart {
  const path = ctx.paths.tlsPolicyOverrides;
  return {
    postconfLists: { smtp_tls_policy_maps: [`texthash:${path}`] },
    files: [{ path, content: OVERRIDES, mode: 0o644, ifMissing: true }],
  };
}

// Outbound MTA-STS after the relays' entries: postfix asks the sidecar per next-hop domain. Verification needs the
// system trust store (the `secure` level). From postfix 3.10.5 on, postfix itself also checks each MX host name
// against the policy's patterns (smtp_tls_enforce_sts_mx_patterns), with the attributes the sidecar adds.
export function renderMtaSts(ctx: RenderContext): PlanPart {
  const { config, paths } = ctx;
  const outbound = config.MTA_STS && !relayed(ctx);
  const publish = config.MTA_STS_PUBLISH !== 'off';
  if (!outbound && !publish) return { remove: [paths.mtaStsConf] };
  const settings: MtaStsSettings = outbound ? { socket: join(paths.mtaStsRun, 'policy.sock'), map: STS_MAP } : {};
  const part: PlanPart = { files: [{ path: paths.mtaStsConf, content: `${JSON.stringify(settings, null, 2)}\n`, mode: 0o644 }] };
  if (!outbound) return part;
  const postconf: Record<string, string> = { smtp_tls_CAfile: '/etc/ssl/certs/ca-certificates.crt' };
  if (ctx.postfixParams.has('smtp_tls_enforce_sts_mx_patterns')) postconf.smtp_tls_enforce_sts_mx_patterns = 'yes';
  return { ...part, postconf, postconfLists: { smtp_tls_policy_maps: [`socketmap:unix:${settings.socket}:${STS_MAP}`] } };
}
