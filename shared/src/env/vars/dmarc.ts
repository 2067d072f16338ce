import { check, domainList, invalid, isDomain, oneOf, q } from '../checks.ts';
import { defineVar, FULL, type ParsedView } from '../spec.ts';

export const DMARC_POLICIES = ['enforce', 'tag', 'off'] as const;
export type DmarcPolicy = (typeof DMARC_POLICIES)[number];

const authservId = check((raw) => {
  const d = raw.trim().toLowerCase();
  return isDomain(d) ? d : invalid(`${q(raw)} is not a domain name`);
});

// Any D_REJECT destiny hands port 25's mail to amavis before the queue (smtpd_proxy_filter), and postfix then gives
// milters no message content there, so nothing could be judged: the seed wires no DMARC milter in that case.
const DESTINIES = ['FINAL_VIRUS_DESTINY', 'FINAL_BANNED_DESTINY', 'FINAL_SPAM_DESTINY', 'FINAL_BAD_HEADER_DESTINY'];
export const filterBeforeQueue = (c: ParsedView): boolean => DESTINIES.some((d) => c[d] === 'D_REJECT');

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
};
