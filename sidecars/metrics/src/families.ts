import { Family, type FamilySpec } from './registry.ts';

// Every metric this sidecar exports: the docs page (docs/metrics.md) is generated from this list.
export const SPECS = {
  queue: {
    name: 'mta_postfix_queue_messages',
    kind: 'gauge',
    help: 'Messages in each postfix queue.',
    labels: ['queue'],
    source: 'queue directory scan at scrape time',
  },
  oldestDeferred: {
    name: 'mta_postfix_queue_oldest_deferred_seconds',
    kind: 'gauge',
    help: 'Age of the oldest message in the deferred queue (0 when it is empty).',
    source: 'queue directory scan at scrape time',
  },
  received: {
    name: 'mta_postfix_messages_received',
    kind: 'counter',
    help: 'Messages that entered the queue, by postfix service.',
    labels: ['service'],
    source: 'postfix log',
  },
  deliveries: {
    name: 'mta_postfix_deliveries',
    kind: 'counter',
    help: 'Delivery attempts per recipient by status (sent, bounced, deferred, expired); the hop to the content filter is not counted.',
    labels: ['status'],
    source: 'postfix log',
  },
  rejects: {
    name: 'mta_postfix_rejects',
    kind: 'counter',
    help: 'SMTP commands refused with a 4xx/5xx reply, by reason class.',
    labels: ['reason', 'code_class'],
    source: 'postfix log',
  },
  postscreen: {
    name: 'mta_postscreen_verdicts',
    kind: 'counter',
    help: 'Clients postscreen caught, by test.',
    labels: ['test'],
    source: 'postfix log',
  },
  rateLimited: {
    name: 'mta_postfix_rate_limited',
    kind: 'counter',
    help: 'Clients that hit an anvil limit, by limit.',
    labels: ['limit'],
    source: 'postfix log',
  },
  authFailures: {
    name: 'mta_auth_failures',
    kind: 'counter',
    help: 'Failed logins (SMTP AUTH, IMAP, POP3) by daemon and service.',
    labels: ['daemon', 'service'],
    source: 'postfix and dovecot logs',
  },
  verdicts: {
    name: 'mta_amavis_verdicts',
    kind: 'counter',
    help: 'Content filter verdicts (clean, spam, virus, banned, bad-header, unchecked, other) and whether the message was blocked.',
    labels: ['verdict', 'blocked'],
    source: 'amavis log',
  },
  dmarc: {
    name: 'mta_dmarc_verdicts',
    kind: 'counter',
    help: 'DMARC verdicts on inbound mail of port 25 by result (pass, fail, none, temperror, permerror, other), the policy the From domain publishes (none, quarantine, reject, other) and whether the message was refused in the session; never a domain.',
    labels: ['result', 'policy', 'refused'],
    source: 'postfix log',
  },
  scannerErrors: {
    name: 'mta_amavis_scanner_errors',
    kind: 'counter',
    help: 'Virus scanner failures (one scanner, or all of them).',
    labels: ['scope'],
    source: 'amavis log',
  },
  scanSeconds: {
    name: 'mta_amavis_scan_seconds',
    kind: 'histogram',
    help: 'Time amavis took per message.',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    source: 'amavis log',
  },
  learned: {
    name: 'mta_spamd_learned_messages',
    kind: 'counter',
    help: 'Messages learned by spamd-learn, by kind (spam, ham).',
    labels: ['kind'],
    source: 'bus: mta.spamd.learned',
  },
  learnFailed: {
    name: 'mta_spamd_failed_messages',
    kind: 'counter',
    help: 'Messages spamd-learn could not learn (refused by sa-learn, or a batch that must be retried), by kind.',
    labels: ['kind'],
    source: 'spamd-learn log (spamd.learned, spamd.retry)',
  },
  learnBatchSeconds: {
    name: 'mta_spamd_batch_seconds',
    kind: 'histogram',
    help: 'Duration of one sa-learn batch.',
    labels: ['kind'],
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120],
    source: 'spamd-learn log (spamd.learned)',
  },
  certExpiry: {
    name: 'mta_tls_certificate_expiry_seconds',
    kind: 'gauge',
    help: 'Time until the certificate postfix serves expires, negative once expired (days to expiry: divide by 86400).',
    source: 'served certificate file',
  },
  certNotAfter: {
    name: 'mta_tls_certificate_not_after_timestamp_seconds',
    kind: 'gauge',
    help: 'When the served certificate expires (Unix time).',
    source: 'served certificate file',
  },
  certRotated: {
    name: 'mta_tls_certificate_last_rotation_timestamp_seconds',
    kind: 'gauge',
    help: 'When the served certificate file last changed (Unix time).',
    source: 'served certificate file',
  },
  acmeRejected: {
    name: 'mta_acme_rejected_certificates',
    kind: 'counter',
    help: 'acme.json candidates acme-watch refused, by reason (expired, not-yet-valid, key-mismatch, no-match, unparsable, other).',
    labels: ['reason'],
    source: 'acme-watch log (acme.cert.rejected)',
  },
  submissionRefused: {
    name: 'mta_submission_refused_messages',
    kind: 'counter',
    help: 'Authenticated messages refused before the queue (5.7.1) for their sender headers, by reason and header field.',
    labels: ['reason', 'field'],
    source: 'sender-milter log (submission.refused)',
  },
  submissionDeferred: {
    name: 'mta_submission_deferred_messages',
    kind: 'counter',
    help: 'Authenticated messages deferred (4.7.1) because their sender headers could not be checked, by reason.',
    labels: ['reason'],
    source: 'sender-milter log (submission.deferred)',
  },
  guardBans: {
    name: 'mta_guard_bans',
    kind: 'counter',
    help: 'Bans that began, by who decided them (guard: this node, operator: mta guard ban, fleet: another node).',
    labels: ['origin'],
    source: 'guard log (guard.banned)',
  },
  guardCapped: {
    name: 'mta_guard_capped_bans',
    kind: 'counter',
    help: 'New bans refused because a cap was reached (per-minute: GUARD_MAX_BANS_PER_MINUTE, total: GUARD_MAX_BANS).',
    labels: ['cap'],
    source: 'guard log (guard.capped)',
  },
  dkimKeys: {
    name: 'mta_dkim_keys',
    kind: 'gauge',
    help: 'DKIM private keys per domain.',
    labels: ['domain'],
    source: 'DKIM key directory',
  },
  dkimPublished: {
    name: 'mta_dkim_dns_match',
    kind: 'gauge',
    help: 'Whether DNS publishes the key of a domain and selector: 1 yes, 0 a different or no key, -1 DNS not reachable.',
    labels: ['domain', 'selector'],
    source: 'DKIM key directory and DNS (every 10 minutes)',
  },
  fleetPeers: {
    name: 'mta_fleet_peers',
    kind: 'gauge',
    help: 'Other fleet nodes (keys in MTA_FLEET_TRUST) whose signed heartbeat arrived within the last minute; unsigned, untrusted and replayed heartbeats do not count.',
    source: 'bus: mta.fleet.heartbeat (signed)',
  },
  fleetSyncAge: {
    name: 'mta_fleet_last_sync_age_seconds',
    kind: 'gauge',
    help: 'Seconds since the last signed heartbeat of another fleet node (-1 before the first, and outside a fleet).',
    source: 'fleet bus (signed heartbeats)',
  },
  serviceUp: {
    name: 'mta_service_up',
    kind: 'gauge',
    help: 'Whether a supervised service (daemon or sidecar) runs.',
    labels: ['service'],
    source: 'runit',
  },
  serviceRestarts: {
    name: 'mta_service_restarts',
    kind: 'counter',
    help: 'Restarts of a supervised service seen since the metrics sidecar started.',
    labels: ['service'],
    source: 'runit',
  },
  buildInfo: {
    name: 'mta_build_info',
    kind: 'gauge',
    help: 'Always 1; the labels name the version and the image variant.',
    labels: ['version', 'variant'],
    source: 'the image',
  },
} as const satisfies Record<string, FamilySpec>;

type FamilyName = keyof typeof SPECS;
export type Families = Record<FamilyName, Family>;

// A fresh registry with every family.
export function createFamilies(): Families {
  return Object.fromEntries(Object.entries(SPECS).map(([k, s]) => [k, new Family(s)])) as Families;
}
