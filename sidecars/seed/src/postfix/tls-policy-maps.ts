// smtp_tls_policy_maps, in the one order docs/relay.md documents: the first table with an entry for the next hop
// decides. 1. the operator's overrides (SMTP_TLS_POLICY), so one destination can always be let through or held to
// more; 2. the relays' own TLS levels (SMTP_RELAY_SENDER_HOSTAUTH, keyed by the relay's nexthop), since DANE and
// MTA-STS do not apply to mail sent through a relay; 3. MTA-STS (a socketmap that answers only for domains without
// DNSSEC-validated TLSA records, so DANE, postfix's default level, takes precedence where both exist).
export interface TlsPolicySources {
  overrides?: string;
  relays?: string;
  mtaSts?: string;
}

export function tlsPolicyMaps(s: TlsPolicySources): string[] {
  return [s.overrides, s.relays, s.mtaSts].filter((t): t is string => t !== undefined && t !== '');
}
