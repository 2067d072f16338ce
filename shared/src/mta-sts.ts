import { createHash } from 'node:crypto';
import type { Config } from './env/index.ts';

// Our own MTA-STS policy (MTA_STS_PUBLISH): the text the policy endpoint serves for every MAIL_DOMAIN, and the id of
// the `_mta-sts` record, a digest of that text, so the id changes exactly when the policy does (RFC 8461 §3.1).
export interface OwnPolicy {
  text: string;
  id: string;
}

type PolicyVars = Pick<Config, 'MTA_STS_PUBLISH' | 'MTA_STS_MX' | 'MTA_STS_MAX_AGE' | 'HOSTNAME'>;

export function ownPolicy(c: PolicyVars): OwnPolicy | undefined {
  if (c.MTA_STS_PUBLISH === 'off') return undefined;
  const mx = c.MTA_STS_MX ?? [c.HOSTNAME.toLowerCase()];
  const text = ['version: STSv1', `mode: ${c.MTA_STS_PUBLISH}`, ...mx.map((m) => `mx: ${m}`), `max_age: ${c.MTA_STS_MAX_AGE}`, ''].join(
    '\r\n',
  );
  return { text, id: createHash('sha256').update(text).digest('hex').slice(0, 20) };
}

// The TXT records that announce it, and where TLS reports (RFC 8460) go, as zone-file lines.
export function stsZoneLines(domain: string, policy: OwnPolicy | undefined, ttl = 3600): string[] {
  const lines: string[] = [];
  if (policy) {
    lines.push(`_mta-sts.${domain}.\t${ttl}\tIN\tTXT\t"v=STSv1; id=${policy.id}"`);
    lines.push(`; https://mta-sts.${domain}/.well-known/mta-sts.txt must reach MTA_STS_LISTEN (a Traefik route for mta-sts.${domain})`);
  }
  lines.push(`_smtp._tls.${domain}.\t${ttl}\tIN\tTXT\t"v=TLSRPTv1; rua=mailto:postmaster@${domain}"`);
  return lines;
}

// RFC 8460 §4.3 result types by libtlsrpt's failure codes (tlsrpt.h): what TLS reports and the metric
// mta_tlsrpt_sessions name a failure by.
export const TLSRPT_RESULT_TYPES: Readonly<Record<number, string>> = {
  201: 'starttls-not-supported',
  202: 'certificate-host-mismatch',
  203: 'certificate-not-trusted',
  204: 'certificate-expired',
  205: 'validation-failure',
  301: 'sts-policy-fetch-error',
  302: 'sts-policy-invalid',
  303: 'sts-webpki-invalid',
  304: 'tlsa-invalid',
  305: 'dnssec-invalid',
  306: 'dane-required',
};
