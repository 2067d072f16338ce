import type { StsPolicy } from './policy.ts';

// What the policy source tells postfix for one next-hop domain.
export type Decision =
  // An enforce policy: TLS with a certificate that verifies and names one of the MX patterns, or the mail waits.
  | { kind: 'enforce'; domain: string; policy: StsPolicy; ttl: number }
  // The domain's MX hosts publish DNSSEC-authenticated TLSA records: DANE decides, never MTA-STS (RFC 8461 §2).
  | { kind: 'dane'; domain: string }
  // No policy postfix must apply (none, testing, no record, nothing cached): the global level holds.
  | { kind: 'none' };

// Postfix's certificate match list for `secure`: "*.example.net" becomes ".example.net" (postfix's subdomain form).
export const matchList = (mx: readonly string[]): string => mx.map((p) => (p.startsWith('*.') ? p.slice(1) : p)).join(':');

// The policy as RFC 8460 reports it (policy-string): its lines, rebuilt from the parsed policy (the same fields,
// nothing a server could add). Every value is a keyword, a number or a checked host name pattern.
export const policyLines = (p: StsPolicy): string[] => [
  'version: STSv1',
  `mode: ${p.mode}`,
  ...p.mx.map((m) => `mx: ${m}`),
  `max_age: ${p.maxAge}`,
];

// The socketmap reply (without the netstring frame). `sts`: postfix ≥ 3.10 takes the MTA-STS attributes, and from
// 3.10.5 on checks each MX host name against mx_host_pattern itself (smtp_tls_enforce_sts_mx_patterns); earlier
// releases refuse attributes they do not know, so they get the certificate match alone. `tlsrpt` (TLSRPT_REPORTS):
// the policy text too, one policy_string per line, in postfix's { name = value } form (the lines hold spaces), which
// postfix hands to libtlsrpt for the report.
export function socketmapReply(d: Decision, sts: boolean, tlsrpt = false): string {
  if (d.kind === 'none') return 'NOTFOUND ';
  if (d.kind === 'dane') return 'OK dane-only';
  const parts = ['secure', `match=${matchList(d.policy.mx)}`, 'servername=hostname'];
  if (sts) {
    parts.push('policy_type=sts', `policy_domain=${d.domain}`, ...d.policy.mx.map((p) => `mx_host_pattern=${p}`));
    parts.push(`policy_ttl=${Math.max(0, Math.floor(d.ttl))}`);
    if (tlsrpt) parts.push(...policyLines(d.policy).map((l) => `{ policy_string = ${l} }`));
  }
  return `OK ${parts.join(' ')}`;
}
