import type { SidecarLogEvent } from '@mta/shared';
import type { Families } from './families.ts';

const KINDS = new Set(['spam', 'ham']);
const ORIGINS = new Set(['guard', 'operator', 'fleet']);
const CAPS = new Set(['per-minute', 'total']);
const oneOf = (v: unknown, set: ReadonlySet<string>) => (typeof v === 'string' && set.has(v) ? v : 'other');

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
  else if (e.event === 'guard.banned') f.guardBans.inc({ origin: oneOf(data.origin, ORIGINS) });
  else if (e.event === 'guard.capped') f.guardCapped.inc({ cap: oneOf(data.cap, CAPS) }, num(data.refused));
}

// In fleet mode, any bus message of another node (heartbeats every 10 s) proves the fleet carries its state to us.
export function heardFrom(peers: Peers, self: string, data: Record<string, unknown>, now: number): void {
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
