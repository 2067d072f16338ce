import type { TlsPolicyEntry } from '@mta/shared';
import type { PlanPart, RenderContext } from '../plan.ts';
import { outboundTls } from './dane.ts';
import { mtaStsMap } from './mta-sts.ts';
import { postfixTables, TABLE_TYPE, tableText, withIndex } from './tables.ts';
import { tlsPolicyMaps } from './tls-policy-maps.ts';

const policyValue = (e: Pick<TlsPolicyEntry, 'level' | 'attrs'>): string => [e.level, ...e.attrs].join(' ');

// The SMTP client's TLS: its default level (dane.ts), DNSSEC when the validating resolver runs, and the policy
// tables in their documented order (tls-policy-maps.ts). Each table is written when it has entries and removed
// when it has none.
export function renderTlsOutbound(ctx: RenderContext): PlanPart {
  const { config } = ctx;
  const tables = postfixTables(ctx.paths);
  const out = outboundTls(config, ctx.env);
  const files: NonNullable<PlanPart['files']> = [];
  const remove: string[] = [];
  const table = (path: string, rows: (readonly [string, string])[]): string | undefined => {
    if (!rows.length) {
      remove.push(...withIndex(path));
      return undefined;
    }
    files.push({ path, content: tableText(rows), mode: 0o644, postmap: TABLE_TYPE });
    return `${TABLE_TYPE}:${path}`;
  };
  const overrides = table(
    tables.tlsPolicy,
    (config.SMTP_TLS_POLICY ?? []).map((e) => [e.destination, policyValue(e)] as const),
  );
  const relayRows = new Map((config.SMTP_RELAY_SENDER_HOSTAUTH ?? []).map((r) => [r.relayhost, policyValue({ level: r.tls, attrs: [] })]));
  const relays = table(tables.relayTlsPolicy, [...relayRows]);
  const postconf: Record<string, string> = {
    smtp_tls_security_level: out.level,
    smtp_tls_policy_maps: tlsPolicyMaps({ overrides, relays, mtaSts: mtaStsMap(ctx) }).join(', '),
  };
  if (out.resolver) postconf.smtp_dns_support_level = 'dnssec';
  return { postconf, files, remove };
}
