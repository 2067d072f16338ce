import type { Config, RawEnv, SmtpTlsLevel } from '@mta/shared';

// The SMTP client's TLS level and whether it trusts DNSSEC. DANE applies to direct delivery only: with a global
// relay (SMTP_RELAY_HOSTAUTH, or the seed's RELAYHOST) every message goes to that one host, as the operator chose.
// Without one and with SMTP_DANE=yes, a validating resolver runs in the container and the opportunistic level
// (may, the default) becomes dane: TLSA records that DNSSEC validates are enforced, everything else stays
// opportunistic. Any other level is the operator's choice and stays as given.
export interface OutboundTls {
  level: SmtpTlsLevel;
  // The local validating resolver runs and postfix asks for DNSSEC (smtp_dns_support_level=dnssec).
  resolver: boolean;
}

export function hasGlobalRelay(config: Pick<Config, 'SMTP_RELAY_HOSTAUTH'>, env: RawEnv): boolean {
  return config.SMTP_RELAY_HOSTAUTH !== undefined || (env.RELAYHOST ?? '').trim() !== '';
}

export function outboundTls(
  config: Pick<Config, 'SMTP_RELAY_HOSTAUTH' | 'SMTP_DANE' | 'SMTP_TLS_SECURITY_LEVEL'>,
  env: RawEnv,
): OutboundTls {
  const given = config.SMTP_TLS_SECURITY_LEVEL;
  const resolver = config.SMTP_DANE && !hasGlobalRelay(config, env);
  return { level: resolver && given === 'may' ? 'dane' : given, resolver };
}
