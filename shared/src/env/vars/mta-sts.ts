import { check, integer, invalid, isDomain, oneOf, q, words, yesNo } from '../checks.ts';
import { ALL, defineVar, type ParsedView } from '../spec.ts';
import { primaryDomain, reportFrom, reportOrg } from './dmarc.ts';
import { listen } from './metrics.ts';

export const STS_PUBLISH_MODES = ['off', 'none', 'testing', 'enforce'] as const;

// MX names of our own policy: host names, or "*." and a host name (RFC 8461 §3.2).
const mxPatterns = check((raw) => {
  const list = words(raw.replace(/,/g, ' ').toLowerCase());
  const bad = list.find((p) => !isDomain(p.startsWith('*.') ? p.slice(2) : p));
  if (bad !== undefined) return invalid(`${q(bad)} is not a host name or *.host name`);
  return list.length ? list : invalid('no MX name given');
});

// Who sends TLS reports (RFC 8460): TLSRPT_REPORT_FROM, else noreply-tlsrpt@ the primary domain (every node of a
// fleet shares it); the organisation named in them.
export const tlsRptFrom = (c: ParsedView): string => (c.TLSRPT_REPORT_FROM as string | undefined) ?? `noreply-tlsrpt@${primaryDomain(c)}`;
export const tlsRptOrg = (c: ParsedView): string => (c.TLSRPT_REPORT_ORG as string | undefined) ?? primaryDomain(c);

export const mtaStsVars = {
  MTA_STS: defineVar({
    schema: yesNo,
    topic: 'tls',
    variants: ALL,
    description:
      'Outbound MTA-STS (RFC 8461): before mail leaves for a domain that publishes an enforce policy, postfix is told to use TLS with a verified certificate of one of its MX names, or to keep the mail queued (never sent in the clear). Policies are fetched over HTTPS, cached on /srv for their max_age and refreshed before it ends; testing policies are logged only. A domain whose MX hosts have DNSSEC-signed TLSA records is left to DANE. Mail through SMTP_RELAY_HOSTAUTH or RELAYHOST is not subject to it (the relay delivers it).',
    format: 'yes | no',
    example: 'no',
    default: 'yes',
  }),
  MTA_STS_PUBLISH: defineVar({
    schema: oneOf(STS_PUBLISH_MODES),
    topic: 'tls',
    variants: ALL,
    description:
      'Publish our own MTA-STS policy: a plain HTTP endpoint on MTA_STS_LISTEN serves /.well-known/mta-sts.txt for every MAIL_DOMAIN, for a reverse proxy (Traefik) that terminates TLS for mta-sts.<domain>. `mta dns` prints the _mta-sts and _smtp._tls records to publish. off: no endpoint; none, testing, enforce: the policy mode.',
    format: STS_PUBLISH_MODES.join(' | '),
    example: 'testing',
    default: 'off',
    rules: [
      {
        text: 'needs MAIL_DOMAIN: the policy is served for each of its domains',
        check: (c) =>
          c.MTA_STS_PUBLISH !== undefined && c.MTA_STS_PUBLISH !== 'off' && !((c.MAIL_DOMAIN ?? []) as string[]).length
            ? `MTA_STS_PUBLISH=${String(c.MTA_STS_PUBLISH)} needs MAIL_DOMAIN (the domains whose policy is served)`
            : undefined,
      },
    ],
  }),
  MTA_STS_MX: defineVar({
    schema: mxPatterns,
    topic: 'tls',
    variants: ALL,
    description: 'The MX names of our policy (each mx: line): every name our MX records point to, as our certificate names them.',
    format: 'space separated host names or *.domain',
    example: 'mx1.example.com mx2.example.com',
    defaultText: 'HOSTNAME',
  }),
  MTA_STS_MAX_AGE: defineVar({
    schema: integer(86_400, 31_557_600, 'a number of seconds'),
    topic: 'tls',
    variants: ALL,
    description: 'max_age of our policy: how long senders keep it (RFC 8461 recommends weeks). Raise it once enforce works.',
    format: 'seconds (86400 to 31557600)',
    example: '1209600',
    default: '604800',
  }),
  MTA_STS_LISTEN: defineVar({
    schema: listen,
    topic: 'tls',
    variants: ALL,
    description: 'Where the policy endpoint listens (plain HTTP; the proxy in front of it terminates TLS).',
    format: 'host:port',
    example: '0.0.0.0:8461',
    default: '0.0.0.0:8461',
  }),
  TLSRPT_REPORTS: defineVar({
    schema: yesNo,
    topic: 'tls',
    variants: ALL,
    description:
      "TLS reports (RFC 8460, opt-in): postfix hands every outbound TLS attempt (its policy: MTA-STS, DANE or none, and success or the failure's result type) to the mta-sts service, which counts them per recipient domain and day on /srv and, once a day, sends each domain that publishes a _smtp._tls record (v=TLSRPTv1; rua=mailto: or https:) a gzipped JSON report of yesterday's (UTC) sessions to it. Only domains this server tried to deliver to get one. In a fleet, one node sends each domain's report, built from every node's counts (KV bucket mta-dmarc, keys tlsrpt.*).",
    format: 'yes | no',
    example: 'yes',
    default: 'no',
    rules: [
      {
        text: 'needs outbound MTA-STS and direct delivery (warning)',
        severity: 'warning',
        check: (c) =>
          c.TLSRPT_REPORTS === true && (c.MTA_STS === false || c.SMTP_RELAY_HOSTAUTH !== undefined)
            ? 'TLSRPT_REPORTS needs MTA_STS=yes and direct delivery (no relay): the mta-sts service, which collects the sessions, runs only then'
            : undefined,
      },
    ],
  }),
  TLSRPT_REPORT_ORG: defineVar({
    schema: reportOrg,
    topic: 'tls',
    variants: ALL,
    description: 'The organisation named in TLS reports (organization-name).',
    format: 'text',
    example: 'Example Mail',
    defaultText: 'the primary MAIL_DOMAIN, else HOSTNAME',
  }),
  TLSRPT_REPORT_FROM: defineVar({
    schema: reportFrom,
    topic: 'tls',
    variants: ALL,
    description:
      "The From and envelope sender of TLS reports, and their contact-info; its domain is the report's submitter (TLS-Report-Submitter). Bounces of reports come back to it. Its domain's DKIM key signs the reports when this server signs for that domain.",
    format: 'email address',
    example: 'tls-reports@example.com',
    defaultText: 'noreply-tlsrpt@ the primary MAIL_DOMAIN, else HOSTNAME',
  }),
};
