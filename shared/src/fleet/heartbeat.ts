import type { Bus } from '../bus.ts';

export const HEARTBEAT_SUBJECT = 'mta.fleet.heartbeat';

// What one sidecar tells the fleet about its node; public facts only (serials and fingerprints, never keys).
// Each long-running sidecar reports its own part; `mta fleet status` merges them per node.
export interface NodeHeartbeat {
  sidecar: string;
  variant?: string;
  certSerial?: string;
  certNotAfter?: string;
  dkim?: Record<string, string>;
  learnPending?: number;
}

// Publishes a heartbeat now and every intervalMs; the state callback is read each time so values stay current.
export function startHeartbeat(bus: Bus, state: () => NodeHeartbeat, intervalMs = 10_000): () => void {
  const beat = () => bus.publish(HEARTBEAT_SUBJECT, { ...state() });
  beat();
  const t = setInterval(beat, intervalMs);
  t.unref();
  return () => clearInterval(t);
}

export interface NodeStatus {
  node: string;
  lastSeen: string;
  sidecars: string[];
  variant?: string;
  certSerial?: string;
  certNotAfter?: string;
  dkim: Record<string, string>;
  learnPending?: number;
}

// Folds heartbeats (any order, any sidecar) into one row per node, newest values winning.
export function mergeHeartbeats(beats: readonly Record<string, unknown>[]): NodeStatus[] {
  const nodes = new Map<string, NodeStatus>();
  const sorted = [...beats].sort((a, b) => String(a.at).localeCompare(String(b.at)));
  for (const b of sorted) {
    const node = String(b.node ?? '?');
    const s = nodes.get(node) ?? { node, lastSeen: '', sidecars: [], dkim: {} };
    s.lastSeen = String(b.at ?? s.lastSeen);
    if (typeof b.sidecar === 'string' && !s.sidecars.includes(b.sidecar)) s.sidecars.push(b.sidecar);
    if (typeof b.variant === 'string') s.variant = b.variant;
    if (typeof b.certSerial === 'string') s.certSerial = b.certSerial;
    if (typeof b.certNotAfter === 'string') s.certNotAfter = b.certNotAfter;
    if (typeof b.learnPending === 'number') s.learnPending = b.learnPending;
    if (b.dkim && typeof b.dkim === 'object') Object.assign(s.dkim, b.dkim);
    nodes.set(node, s);
  }
  return [...nodes.values()].sort((a, b) => a.node.localeCompare(b.node));
}
