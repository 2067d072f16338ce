import {
  type FreshHeartbeats,
  openHeartbeat,
  SENDER_FIELDS,
  SENDER_REASONS,
  type SidecarLogEvent,
  TLSRPT_RESULT_TYPES,
  type TrustedSigners,
} from '@mta/shared';
import type { Families } from './families.ts';

const KINDS = new Set(['spam', 'ham']);
const ORIGINS = ['guard', 'operator', 'fleet'];
const CAPS = ['per-minute', 'total'];
const STS_RESULTS = ['enforce', 'testing', 'none', 'tls', 'status', 'content-type', 'too-large', 'timeout', 'network', 'invalid'];
const STS_ANSWERS = ['enforce', 'dane', 'testing', 'none'];
const ARC_RESULTS = ['none', 'pass', 'fail'];
const DMARC_POLICIES = ['reject', 'quarantine'];
const RPT_POLICIES = ['sts', 'tlsa', 'no-policy-found'];
const RPT_RESULTS = ['success', ...Object.values(TLSRPT_RESULT_TYPES)];

// acme-watch's reasons are sentences; the metric keeps their class.
export function acmeReasonClass(reason: string): string {
  const r = reason.toLowerCase();
  if (r.startsWith('expired')) return 'expired';
  if (r.startsWith('not valid before')) return 'not-yet-valid';
  if (r.includes('private key does not match')) return 'key-mismatch';
  if (r.includes('does not cover') || r.startsWith('no certificate for')) return 'no-match';
  if (r.includes('does not parse') || r.includes('not a base64')) return 'unparsable';
  return 'other';
}

// Fleet nodes heard from: signing key -> when its last fresh signed heartbeat arrived (ms).
export type Peers = Map<string, number>;

export interface PeerWatch {
  peers: Peers;
  signers: TrustedSigners;
  fresh: FreshHeartbeats;
  // This node's MTA_NODE: its own heartbeats are not a peer's.
  self: string;
}

const num = (v: unknown) => (typeof v === 'number' && v > 0 ? v : 0);

// One sidecar log event (its JSON line, as runit keeps it) -> counters: learning, rejected certificates, bans. The same
// facts go on the bus, but reading them here keeps the NATS client out of a sidecar that must idle under 50 MB.
export function countSidecarEvent(f: Families, e: SidecarLogEvent): void {
  const { data } = e;
  const kind = typeof data.kind === 'string' && KINDS.has(data.kind) ? data.kind : 'other';
  if (e.event === 'spamd.learned') {
    f.learned.inc({ kind }, num(data.count));
    f.learnFailed.inc({ kind }, num(data.failed));
    if (typeof data.durationMs === 'number') f.learnBatchSeconds.observe({ kind }, data.durationMs / 1000);
  } else if (e.event === 'spamd.retry') f.learnFailed.inc({ kind }, num(data.count));
  else if (e.event === 'acme.cert.rejected') f.acmeRejected.inc({ reason: acmeReasonClass(String(data.reason ?? '')) });
  else if (e.event === 'submission.refused')
    f.submissionRefused.inc({ reason: oneOf(SENDER_REASONS, data.reason), field: oneOf(SENDER_FIELDS, data.field, 'none') });
  else if (e.event === 'submission.deferred') f.submissionDeferred.inc({ reason: oneOf(SENDER_REASONS, data.reason) });
  else if (e.event === 'guard.banned') f.guardBans.inc({ origin: oneOf(ORIGINS, data.origin) });
  else if (e.event === 'guard.capped') f.guardCapped.inc({ cap: oneOf(CAPS, data.cap) }, num(data.refused));
  else if (REPORT_OUTCOMES[e.event]) f.dmarcReports.inc({ outcome: REPORT_OUTCOMES[e.event] as string });
  else if (e.event === 'mtasts.fetched') f.mtastsFetches.inc({ result: oneOf(STS_RESULTS, data.mode) });
  else if (e.event === 'mtasts.fetch_failed') f.mtastsFetches.inc({ result: oneOf(STS_RESULTS, data.failure) });
  else if (e.event === 'mtasts.policy') f.mtastsAnswers.inc({ answer: oneOf(STS_ANSWERS, data.answer) });
  else if (e.event === 'arc.verdict')
    f.arcVerdicts.inc({ result: oneOf(ARC_RESULTS, data.result), trusted: data.trustedSealer ? 'true' : 'false' });
  else if (e.event === 'arc.override') f.arcOverrides.inc({ policy: oneOf(DMARC_POLICIES, data.policy) });
  else if (e.event === 'tlsrpt.sessions')
    f.tlsRptSessions.inc({ policy: oneOf(RPT_POLICIES, data.policy), result: oneOf(RPT_RESULTS, data.result) }, num(data.count));
  else if (e.event === 'tlsrpt.report_sent') f.tlsRptReports.inc({ outcome: 'sent' });
  else if (e.event === 'tlsrpt.report_failed') f.tlsRptReports.inc({ outcome: 'failed' });
}

const REPORT_OUTCOMES: Record<string, string> = {
  'dmarc.report_sent': 'sent',
  'dmarc.report_failed': 'failed',
  'dmarc.report_unverified': 'unverified',
  'dmarc.report_too_large': 'too-large',
};

// A label value from a known set only (log lines are text; a label never carries anything else).
const oneOf = (known: readonly string[], v: unknown, fallback = 'other'): string =>
  typeof v === 'string' && known.includes(v) ? v : fallback;

// In fleet mode, a heartbeat (every 10 s per sidecar) that a trusted node signed, recently and after the last one
// seen from it, proves the fleet carries its state to us. Anything else on the bus (any client can publish there,
// or replay what it recorded) counts for nothing.
export function heardFrom(w: PeerWatch, data: Record<string, unknown>, now: number): void {
  const h = openHeartbeat(w.signers, data, now);
  if (!h.ok || h.node === w.self || !w.fresh.accept(h)) return;
  if (w.peers.has(h.signer) || w.peers.size < 1000) w.peers.set(h.signer, now);
}

// The fleet gauges from what was heard (at scrape time).
export function fleetGauges(f: Families, peers: Peers, now: number): void {
  let last = -1;
  let recent = 0;
  for (const [node, t] of peers) {
    if (now - t > 3_600_000) peers.delete(node);
    if (now - t <= 60_000) recent++;
    last = Math.max(last, t);
  }
  f.fleetPeers.set({}, recent);
  f.fleetSyncAge.set({}, last < 0 ? -1 : Math.round((now - last) / 1000));
}
