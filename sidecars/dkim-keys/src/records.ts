import { renderTxtRecord } from '@mta/shared';

export interface DomainRecords {
  domain: string;
  // FQDN of this server (HOSTNAME): the MX target.
  mx: string;
  dkim: { selector: string; dnsValue: string }[];
  // Where aggregate reports about this domain go (DMARC_REPORTS=yes: the report address); default postmaster@domain.
  rua?: string;
}

const quote = (s: string): string => `"${s}"`;

// Suggested policies: SPF allows only the MX hosts, DMARC quarantines failures and reports to postmaster.
export const spfValue = (): string => 'v=spf1 mx -all';
export const dmarcValue = (domain: string, rua = `postmaster@${domain}`): string => `v=DMARC1; p=quarantine; rua=mailto:${rua}`;

// A rua address under another domain takes this domain's reports only when its own zone says so (RFC 7489 7.1):
// the record to publish there, unless the two are the same domain or one is under the other.
function ruaAuthorization(domain: string, rua: string, ttl: number): string[] {
  const at = rua.slice(rua.lastIndexOf('@') + 1).toLowerCase();
  if (at === domain || at.endsWith(`.${domain}`) || domain.endsWith(`.${at}`)) return [];
  return [
    `; in the zone of ${at}: it agrees to take ${domain}'s reports (RFC 7489 7.1)`,
    `${domain}._report._dmarc.${at}.\t${ttl}\tIN\tTXT\t${quote('v=DMARC1')}`,
  ];
}

// The records a user publishes for one domain, as zone-file lines (MX, SPF, DKIM, DMARC).
export function renderDomainRecords(r: DomainRecords, ttl = 3600): string {
  const lines = [`; ${r.domain}: records to publish`];
  if (!r.mx.includes('.')) lines.push(`; HOSTNAME "${r.mx}" is not a fully qualified name; set --hostname for a usable MX`);
  lines.push(`${r.domain}.\t${ttl}\tIN\tMX\t10 ${r.mx}.`);
  lines.push(`${r.domain}.\t${ttl}\tIN\tTXT\t${quote(spfValue())}`);
  if (!r.dkim.length) lines.push(`; no DKIM key for ${r.domain} yet: the dkim-keys service creates it when the container starts`);
  for (const k of r.dkim) lines.push(renderTxtRecord({ domain: r.domain, selector: k.selector }, k.dnsValue, ttl).trimEnd());
  lines.push(`_dmarc.${r.domain}.\t${ttl}\tIN\tTXT\t${quote(dmarcValue(r.domain, r.rua))}`);
  if (r.rua) lines.push(...ruaAuthorization(r.domain, r.rua, ttl));
  return lines.join('\n');
}
