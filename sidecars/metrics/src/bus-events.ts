import type { Families } from './families.ts';

const KINDS = new Set(['spam', 'ham']);

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

// Fleet nodes heard from: node name -> last time (ms).
export type Peers = Map<string, number>;

// One bus event -> counters (learning, certificates) or fleet state.
export function countBusEvent(f: Families, peers: Peers, self: string, subject: string, data: Record<string, unknown>, now: number): void {
  const kind = typeof data.kind === 'string' && KINDS.has(data.kind) ? data.kind : 'other';
  const count = typeof data.count === 'number' && data.count > 0 ? data.count : 0;
  if (subject === 'mta.spamd.learned') {
    f.learned.inc({ kind }, count);
    if (typeof data.durationMs === 'number') f.learnBatchSeconds.observe({ kind }, data.durationMs / 1000);
  } else if (subject === 'mta.spamd.failed') f.learnFailed.inc({ kind }, count);
  else if (subject === 'mta.acme.cert.rejected') f.acmeRejected.inc({ reason: acmeReasonClass(String(data.reason ?? '')) });
  // Any message of another node (heartbeats every 10 s) proves the fleet bus carries its state to us.
  const node = typeof data.node === 'string' ? data.node : undefined;
  if (node && node !== self && (peers.has(node) || peers.size < 1000)) peers.set(node, now);
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
