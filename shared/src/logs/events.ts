// What the daemons' log lines mean, as the guard and the metrics sidecar consume it. Every field is bounded
// (classes, not free text) except `ip`, `queueId` and `key`, which callers must never turn into metric labels.
export type RejectClass =
  | 'relay'
  | 'unknown-recipient'
  | 'recipient'
  | 'sender'
  | 'client'
  | 'helo'
  | 'dnsbl'
  | 'protocol'
  | 'size'
  | 'rate'
  | 'policy'
  | 'other';

export type PostscreenTest = 'pregreet' | 'dnsbl' | 'denylist' | 'hangup' | 'protocol';

type DeliveryStatus = 'sent' | 'bounced' | 'deferred' | 'expired';
export const TLS_POLICY_DEFERRALS = ['not-offered', 'certificate', 'tlsa-error', 'mx-pattern', 'other'] as const;
export type TlsPolicyDeferral = (typeof TLS_POLICY_DEFERRALS)[number];
// How postfix's smtp client authenticated a server it delivered to over TLS (its own words, lower-cased): verified
// (DANE or a policy's certificate check passed), trusted (the chain verified, the name not checked), untrusted,
// anonymous.
export type OutboundTlsTrust = 'anonymous' | 'untrusted' | 'trusted' | 'verified';

// OpenDMARC's result and the policy the From domain publishes, as logs/dmarc.ts reads them; anything else is other.
export type DmarcResult = 'pass' | 'fail' | 'none' | 'temperror' | 'permerror' | 'other';
export type DmarcPolicySeen = 'none' | 'quarantine' | 'reject' | 'other';

export type AmavisVerdict = 'clean' | 'spam' | 'virus' | 'banned' | 'bad-header' | 'unchecked' | 'other';

export type MailLogEvent =
  // OpenDMARC's verdict on one message of port 25 (logs/dmarc.ts); `refused`: rejected in the session (p=reject).
  // `domain` is the From domain, client-chosen: never a metric label.
  | { kind: 'dmarc'; queueId: string; result: DmarcResult; policy: DmarcPolicySeen; refused: boolean; domain: string }
  // A wrong password or unknown user: SMTP AUTH (postfix) or an IMAP/POP3 login (dovecot); `count` attempts.
  | { kind: 'auth-failed'; daemon: 'postfix' | 'dovecot'; service: string; ip: string; count: number }
  // postscreen found a bot-like client (or one on the guard's ban list).
  | { kind: 'postscreen'; test: PostscreenTest; ip: string; rank?: number }
  // An SMTP command refused with a 4xx/5xx (NOQUEUE: reject: …), by postfix smtpd or postscreen. `reason` comes from
  // the enhanced status code where that decides it (5.1.1 unknown recipient, 5.3.4 size), else from postfix's
  // wording after the bracketed address. `key` tells one refused command from another (the reply text after the
  // status code: the address, the reason, the envelope): opaque, for counting distinct ones only.
  | { kind: 'reject'; service: string; ip: string; stage: string; code: number; reason: RejectClass; key: string }
  // An anvil limit hit (connections, messages, recipients, AUTH commands per time unit or at once).
  | { kind: 'rate-limit'; service: string; ip: string; limit: string }
  // A message entered the queue from an SMTP client (its first recipient was accepted: `ip` is the client) or from
  // local submission (pickup: no ip); never the filter's reinjection.
  | { kind: 'received'; service: string; queueId: string; ip?: string }
  // An SMTP session ended: how many recipients it offered and how many were accepted.
  | { kind: 'disconnect'; service: string; ip: string; rcptAccepted: number; rcptTotal: number }
  // One recipient's delivery attempt; `internal` is the hop to the content filter. `tlsPolicy`: deferred because the
  // TLS policy (MTA-STS, DANE, an override) was not met, by class, from postfix's own reason text.
  | { kind: 'delivery'; queueId: string; status: DeliveryStatus; internal: boolean; tlsPolicy?: TlsPolicyDeferral }
  // The smtp client skipped an MX host whose name is outside the destination's MTA-STS patterns (postfix ≥ 3.10.5;
  // with no other MX the delivery is deferred as "server unavailable").
  | { kind: 'sts-mx-refused' }
  // An outbound TLS connection of the smtp client, by how the server was authenticated.
  | { kind: 'tls-connection'; trust: OutboundTlsTrust }
  // amavis's verdict on one message, with the time it took.
  | { kind: 'verdict'; verdict: AmavisVerdict; blocked: boolean; ms?: number }
  // A virus scanner (or all of them) failed on a message.
  | { kind: 'scanner-error'; all: boolean };
