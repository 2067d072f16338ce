import { join } from 'node:path';
import type { PlanPart, RenderContext } from '../plan.ts';
import { hasGlobalRelay } from './dane.ts';

// The map name postfix asks the mta-sts sidecar for (socketmap:unix:<socket>:<name>).
export const STS_MAP = 'mta-sts';

// What the mta-sts sidecar reads at start: the socketmap it serves to postfix (absent: no outbound MTA-STS, the
// sidecar only publishes our policy).
export interface MtaStsSettings {
  socket?: string;
  map?: string;
  // TLSRPT_REPORTS: the datagram socket postfix's libtlsrpt reports each TLS attempt to.
  tlsrpt?: string;
}

const stsSocket = (paths: RenderContext['paths']): string => join(paths.mtaStsRun, 'policy.sock');
export const tlsRptSocket = (paths: RenderContext['paths']): string => join(paths.mtaStsRun, 'tlsrpt.sock');

// The last of the TLS policy maps (tls-policy-maps.ts), when outbound MTA-STS is on: postfix asks the sidecar per
// next-hop domain.
export const mtaStsMap = (ctx: Pick<RenderContext, 'config' | 'env' | 'paths'>): string | undefined =>
  ctx.config.MTA_STS && !hasGlobalRelay(ctx.config, ctx.env) ? `socketmap:unix:${stsSocket(ctx.paths)}:${STS_MAP}` : undefined;

// Outbound MTA-STS: the sidecar's settings and what its answers need from the smtp client. Verification needs the
// system trust store (the `secure` level). From postfix 3.10.5 on, postfix itself also checks each MX host name
// against the policy's patterns (smtp_tls_enforce_sts_mx_patterns), with the attributes the sidecar adds.
export function renderMtaSts(ctx: RenderContext): PlanPart {
  const { config, paths } = ctx;
  // Mail through a relay host is the relay's to deliver: its policy lookups would name the relay, not the destination.
  const outbound = config.MTA_STS && !hasGlobalRelay(config, ctx.env);
  const publish = config.MTA_STS_PUBLISH !== 'off';
  if (!outbound && !publish) return { remove: [paths.mtaStsConf] };
  const tlsrpt = outbound && config.TLSRPT_REPORTS && ctx.postfixParams.has('smtp_tlsrpt_enable');
  const settings: MtaStsSettings = outbound
    ? { socket: stsSocket(paths), map: STS_MAP, ...(tlsrpt ? { tlsrpt: tlsRptSocket(paths) } : {}) }
    : {};
  const part: PlanPart = { files: [{ path: paths.mtaStsConf, content: `${JSON.stringify(settings, null, 2)}\n`, mode: 0o644 }] };
  if (!outbound) return part;
  const postconf: Record<string, string> = { smtp_tls_CAfile: '/etc/ssl/certs/ca-certificates.crt' };
  if (ctx.postfixParams.has('smtp_tls_enforce_sts_mx_patterns')) postconf.smtp_tls_enforce_sts_mx_patterns = 'yes';
  // TLSRPT_REPORTS (postfix 3.10 and later, built with libtlsrpt): every TLS attempt is reported to the sidecar.
  if (ctx.postfixParams.has('smtp_tlsrpt_enable')) {
    postconf.smtp_tlsrpt_enable = tlsrpt ? 'yes' : 'no';
    if (tlsrpt) postconf.smtp_tlsrpt_socket_name = tlsRptSocket(paths);
  }
  return { ...part, postconf };
}
