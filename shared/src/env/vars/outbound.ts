import { check, yesNo } from '../checks.ts';
import { isSet } from '../rule.ts';
import { ALL, defineVar } from '../spec.ts';
import { parseSenderRelays, parseTlsPolicy } from './outbound-entries.ts';

export type { SenderRelay, TlsPolicyEntry } from './outbound-entries.ts';

// Outgoing mail beyond the one relay of SMTP_RELAY_HOSTAUTH: relays chosen by sender, per-destination TLS policy,
// and DANE (a validating resolver in the container).
export const outboundVars = {
  SMTP_RELAY_SENDER_HOSTAUTH: defineVar({
    schema: check(parseSenderRelays),
    topic: 'relay',
    variants: ALL,
    description:
      'Relays chosen by envelope sender: mail from an address or @domain leaves through its own relay host, with its own SASL credentials and TLS level (default encrypt with credentials, may without). Other senders use SMTP_RELAY_HOSTAUTH, or direct delivery. One entry a line (a secret file), or entries separated by commas. DANE and MTA-STS do not apply to mail sent through a relay.',
    format: 'sender host:port [user:password] [tls-level], …',
    example: '@example.com [smtp.a.example]:587 alice:secret, bob@example.org [smtp.b.example]:587 bob:other',
    secret: true,
    secretParts: (raw) => {
      const r = parseSenderRelays(raw);
      return Array.isArray(r) ? r.flatMap((e) => (e.password ? [e.password, `${e.user}:${e.password}`] : [])) : [];
    },
  }),
  SMTP_TLS_POLICY: defineVar({
    schema: check(parseTlsPolicy),
    topic: 'relay',
    variants: ALL,
    description:
      'TLS policy for single destinations, ahead of every other policy (relays, DANE, MTA-STS): "destination level [name=value …]" as postfix smtp_tls_policy_maps reads it, e.g. to let one domain with broken DANE records through with "may", or to require "encrypt" for a partner.',
    format: 'destination level [name=value …], …',
    example: 'partner.example encrypt, broken-dane.example may',
  }),
  SMTP_DANE: defineVar({
    schema: yesNo,
    topic: 'relay',
    variants: ALL,
    description:
      'DANE for mail delivered directly (no SMTP_RELAY_HOSTAUTH or RELAYHOST): a validating resolver (unbound) runs in the container, and a destination whose MX publishes DNSSEC-signed TLSA records gets verified TLS or a deferral. SMTP_TLS_SECURITY_LEVEL=may becomes dane; other levels stay as given.',
    format: 'yes | no',
    example: 'no',
    default: 'yes',
    rules: [
      {
        text: 'SMTP_TLS_SECURITY_LEVEL=dane or dane-only needs SMTP_DANE=yes (warning)',
        severity: 'warning',
        check: (c) =>
          c.SMTP_DANE === false && isSet(c, 'SMTP_TLS_SECURITY_LEVEL') && String(c.SMTP_TLS_SECURITY_LEVEL).startsWith('dane')
            ? `SMTP_TLS_SECURITY_LEVEL=${String(c.SMTP_TLS_SECURITY_LEVEL)} without a validating resolver: postfix falls back to may`
            : undefined,
      },
    ],
  }),
};
