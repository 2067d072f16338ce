import { check, invalid, isDomain, q, yesNo } from '../checks.ts';
import { isSet } from '../rule.ts';
import { ALL, defineVar, type ParsedView, type VarRule } from '../spec.ts';
import { MAILBOX_SOURCES, mailboxSources } from '../uses.ts';

const domain = check((raw) => {
  const d = raw.trim().toLowerCase();
  return isDomain(d) ? d : invalid(`${q(raw)} is not a domain name`);
});

// Bounces come back to SRS0=…@<SRS_DOMAIN>: postfix must take mail for it, so it is one of ours, and there is none
// to take without MAIL_DOMAIN, nor without a mailbox source (the domains are then not final destinations here: a
// relay-only container forwards nothing).
const srsDomainRule: VarRule = {
  text: `SRS needs MAIL_DOMAIN and a mailbox source (${MAILBOX_SOURCES.join(', ')}); SRS_DOMAIN must be one of the MAIL_DOMAIN domains`,
  check: (config: ParsedView) => {
    if (config.SRS !== true) return undefined;
    const domains = (config.MAIL_DOMAIN ?? []) as string[];
    if (!domains.length) return 'SRS=yes needs MAIL_DOMAIN: bounces to rewritten senders come back to it';
    if (!mailboxSources(config).length)
      return `SRS=yes needs a mailbox source (${MAILBOX_SOURCES.join(', ')}): without one MAIL_DOMAIN is not received here, so bounces to rewritten senders could not come back`;
    const d = config.SRS_DOMAIN as string | undefined;
    return d !== undefined && !domains.includes(d)
      ? `SRS_DOMAIN ${d} is not in MAIL_DOMAIN (${domains.join(' ')}): bounces to it would be refused`
      : undefined;
  },
};

export const srsVars = {
  SRS: defineVar({
    schema: yesNo,
    topic: 'delivery',
    variants: ALL,
    description:
      'Sender Rewriting Scheme for forwarded mail: a message that leaves for another domain with a sender outside MAIL_DOMAIN (an alias forwarding to an external address) gets an SRS envelope sender at SRS_DOMAIN, so SPF passes at the destination; bounces to it are reversed to the original sender, forged or expired (21 days) SRS addresses are refused. Local delivery and senders of MAIL_DOMAIN are never rewritten. The secret is generated once under /srv/var/srs.',
    format: 'yes | no',
    example: 'yes',
    default: 'no',
    rules: [srsDomainRule],
  }),
  SRS_DOMAIN: defineVar({
    schema: domain,
    topic: 'delivery',
    variants: ALL,
    description: 'Domain of the rewritten senders (SRS0=…@SRS_DOMAIN); one of MAIL_DOMAIN.',
    format: 'domain name',
    example: 'example.com',
    defaultText: 'the primary MAIL_DOMAIN',
    rules: [
      {
        text: 'has no effect unless SRS=yes (warning)',
        severity: 'warning',
        check: (c) => (isSet(c, 'SRS_DOMAIN') && c.SRS !== true ? 'set, but SRS is off: set SRS=yes, or remove it' : undefined),
      },
    ],
  }),
};
