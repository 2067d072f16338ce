import { check, domainList, invalid, isDomain, isEmail, oneOf, q, yesNo } from '../checks.ts';
import { defineVar, FULL, type ParsedView } from '../spec.ts';

export const DMARC_POLICIES = ['enforce', 'tag', 'off'] as const;
export type DmarcPolicy = (typeof DMARC_POLICIES)[number];

const authservId = check((raw) => {
  const d = raw.trim().toLowerCase();
  return isDomain(d) ? d : invalid(`${q(raw)} is not a domain name`);
});

export const reportFrom = check((raw) => {
  const t = raw.trim();
  return isEmail(t) ? t : invalid(`${q(raw)} is not an email address`);
});

export const reportOrg = check((raw) => {
  const t = raw.trim();
  // The org_name of every report, and named in its text part: one printable line.
  return t && t.length <= 200 && !/\p{Cc}/u.test(t) ? t : invalid(`${q(raw)} is not a name of at most 200 printable characters`);
});

// Any D_REJECT destiny hands port 25's mail to amavis before the queue (smtpd_proxy_filter), and postfix then gives
// milters no message content there, so nothing could be judged: the seed wires no DMARC milter in that case.
const DESTINIES = ['FINAL_VIRUS_DESTINY', 'FINAL_BANNED_DESTINY', 'FINAL_SPAM_DESTINY', 'FINAL_BAD_HEADER_DESTINY'];
export const filterBeforeQueue = (c: ParsedView): boolean => DESTINIES.some((d) => c[d] === 'D_REJECT');

// The From of DMARC aggregate reports: DMARC_REPORT_FROM, else noreply-dmarc@ the primary domain (the seed's
// default authserv-id: the domain every node of a fleet shares).
export const dmarcReportFrom = (c: ParsedView): string =>
  (c.DMARC_REPORT_FROM as string | undefined) ?? `noreply-dmarc@${primaryDomain(c)}`;
export const dmarcReportOrg = (c: ParsedView): string => (c.DMARC_REPORT_ORG as string | undefined) ?? primaryDomain(c);
export const primaryDomain = (c: ParsedView): string => (c.MAIL_DOMAIN as string[] | undefined)?.[0] ?? (c.HOSTNAME as string);

// DMARC runs before the queue on port 25 in the variants with the content filter: quarantine verdicts go where the
// spam destiny sends them, and amavis is what carries that out.
export const dmarcVars = {
  DMARC_POLICY: defineVar({
    schema: oneOf(DMARC_POLICIES),
    topic: 'content filter',
    variants: FULL,
    description:
      'DMARC (RFC 7489) on inbound mail of port 25, before the queue (opendkim verifies, OpenDMARC judges, SPF checked by OpenDMARC). enforce: a failure whose domain publishes p=reject is refused in the SMTP session (550 5.7.1), one with p=quarantine is scored as spam and goes where FINAL_SPAM_DESTINY sends it; tag: nothing is refused, every failure of a reject or quarantine policy is scored as spam; off: no DKIM/DMARC milter and no Authentication-Results header. Mail from MYNETWORKS and authenticated clients is not judged.',
    format: DMARC_POLICIES.join(' | '),
    example: 'tag',
    default: 'enforce',
    rules: [
      {
        text: 'not checked while a D_REJECT destiny puts amavis before the queue on port 25 (warning)',
        severity: 'warning',
        check: (c, ctx) =>
          c.DMARC_POLICY !== 'off' && filterBeforeQueue(c) && (!ctx.variant || FULL.includes(ctx.variant))
            ? 'a FINAL_*_DESTINY of D_REJECT puts amavis before the queue on port 25, where postfix gives milters no message content: DMARC is not checked (use D_PASS/D_BOUNCE/D_DISCARD, or set DMARC_POLICY=off to silence this)'
            : undefined,
      },
    ],
  }),
  DMARC_IGNORE_DOMAINS: defineVar({
    schema: domainList,
    topic: 'content filter',
    variants: FULL,
    description:
      'From domains whose mail is never judged by DMARC (senders known to break it, e.g. a mailing list host that rewrites messages); compared exactly, case-insensitively.',
    format: 'space separated domain names',
    example: 'lists.example.org',
  }),
  ARC_TRUSTED_SEALERS: defineVar({
    schema: domainList,
    topic: 'content filter',
    variants: FULL,
    description:
      'ARC sealers (RFC 8617; ARC-Seal d=, e.g. a mailing list host) whose word may override a DMARC failure: a message that fails DMARC is delivered as if it passed when its ARC chain validates, its newest set was sealed by one of these domains, and that sealer recorded dmarc=pass (or an aligned dkim or spf pass) for the From domain. Every override is logged (arc.override) and published as mta.dmarc.arc-override. Compared exactly, case-insensitively.',
    format: 'space separated domain names',
    example: 'lists.example.org',
  }),
  AUTHSERV_ID: defineVar({
    schema: authservId,
    topic: 'content filter',
    variants: FULL,
    description:
      'The authserv-id of the Authentication-Results headers (RFC 8601) this server adds. Every node of a fleet must use the same one, so that an incoming header with this id is treated as forged and removed whichever node receives it, and the verdicts of all nodes read the same to mail clients and filters.',
    format: 'domain name',
    example: 'example.com',
    defaultText: 'the primary MAIL_DOMAIN, else HOSTNAME',
  }),
  DMARC_REPORTS: defineVar({
    schema: yesNo,
    topic: 'content filter',
    variants: FULL,
    description:
      "DMARC aggregate reports (RFC 7489, opt-in): every verdict is recorded, and once a day each domain whose DMARC record asks for them (rua=mailto:) gets a gzipped XML report of yesterday's (UTC) mail from it, sent through the local postfix. A rua address outside the domain's organisational domain gets reports only when its domain publishes <domain>._report._dmarc.<its domain> (RFC 7489 7.1). In a fleet, one node sends each domain's report, built from every node's records (KV bucket mta-dmarc).",
    format: 'yes | no',
    example: 'yes',
    default: 'no',
    rules: [
      {
        text: 'needs DMARC_POLICY enforce or tag (warning)',
        severity: 'warning',
        check: (c) =>
          c.DMARC_REPORTS === true && c.DMARC_POLICY === 'off'
            ? 'DMARC_POLICY=off judges nothing, so there is nothing to report'
            : undefined,
      },
    ],
  }),
  DMARC_REPORT_ORG: defineVar({
    schema: reportOrg,
    topic: 'content filter',
    variants: FULL,
    description: 'The reporting organisation named in DMARC aggregate reports (org_name).',
    format: 'text',
    example: 'Example Mail',
    defaultText: 'the primary MAIL_DOMAIN, else HOSTNAME',
  }),
  DMARC_REPORT_FROM: defineVar({
    schema: reportFrom,
    topic: 'content filter',
    variants: FULL,
    description:
      "The From and envelope sender of DMARC aggregate reports, and the contact address in them (email). Bounces of reports come back to it, so it should be a mailbox or alias that exists (or is discarded on purpose). Its domain's DKIM key signs the reports when this server signs for that domain.",
    format: 'email address',
    example: 'dmarc-reports@example.com',
    defaultText: 'noreply-dmarc@ the primary MAIL_DOMAIN, else HOSTNAME',
  }),
};
