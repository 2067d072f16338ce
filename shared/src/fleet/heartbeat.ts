import type { Bus } from '../bus.ts';
import type { Outcome } from '../errors.ts';
import { type FleetIdentity, sha256Hex, type TrustedSigners } from './identity.ts';

export const HEARTBEAT_SUBJECT = 'mta.fleet.heartbeat';
const OP = 'heartbeat';

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

// On the bus: the heartbeat as JSON text (with the node's own name), signed by the node's fleet key over that exact
// text and the time of signing. The bus's own `node` and `at` are anyone's to write and are never read.
export type SignedHeartbeat = {
  beat: string;
  signedAt: string;
  signer: string;
  sig: string;
};

export function signHeartbeat(id: FleetIdentity, beat: NodeHeartbeat, now = new Date()): SignedHeartbeat {
  const text = JSON.stringify({ ...beat, node: id.node });
  const signedAt = now.toISOString();
  return {
    beat: text,
    signedAt,
    signer: id.publicKey,
    sig: id.sign(OP, HEARTBEAT_SUBJECT, signedAt, sha256Hex(new TextEncoder().encode(text))),
  };
}

// A heartbeat signed longer ago than this proves nothing about the node now; ahead of our clock by more than the
// skew, it is refused (a wrong clock must not keep a node alive in advance).
export const HEARTBEAT_MAX_AGE_MS = 5 * 60_000;
const MAX_SKEW_MS = 10 * 60_000;

export type OpenedHeartbeat = Outcome<{
  signer: string;
  name: string;
  node: string;
  signedAt: number;
  beat: NodeHeartbeat & { node: string };
}>;

// A bus message -> the heartbeat a trusted node signed, recently; anything else is refused with the reason.
export function openHeartbeat(signers: TrustedSigners, data: Record<string, unknown>, now = Date.now()): OpenedHeartbeat {
  const { beat, signedAt, signer, sig } = data;
  if (typeof beat !== 'string' || typeof signedAt !== 'string' || typeof signer !== 'string' || typeof sig !== 'string')
    return { ok: false, reason: 'not a signed heartbeat' };
  const v = signers.verify(signer, sig, OP, HEARTBEAT_SUBJECT, signedAt, sha256Hex(new TextEncoder().encode(beat)));
  if (!v.ok) return v;
  const at = Date.parse(signedAt);
  if (!Number.isFinite(at) || at > now + MAX_SKEW_MS) return { ok: false, reason: `signed in the future (${signedAt})` };
  if (at < now - HEARTBEAT_MAX_AGE_MS) return { ok: false, reason: `signed too long ago (${signedAt})` };
  let body: unknown;
  try {
    body = JSON.parse(beat);
  } catch {
    return { ok: false, reason: 'heartbeat is not JSON' };
  }
  const b = body as Partial<NodeHeartbeat & { node: string }>;
  if (typeof b !== 'object' || b === null || typeof b.sidecar !== 'string' || typeof b.node !== 'string')
    return { ok: false, reason: 'heartbeat without sidecar or node' };
  return { ok: true, signer, name: v.signer, node: b.node, signedAt: at, beat: b as NodeHeartbeat & { node: string } };
}

// Replays: per signer and sidecar, only a heartbeat signed after the last one accepted counts. A recorded heartbeat
// replayed later is older than what was seen, or (after a restart of the reader) past HEARTBEAT_MAX_AGE_MS soon.
export class FreshHeartbeats {
  private readonly last = new Map<string, number>();
  constructor(private readonly max = 1000) {}

  accept(h: Extract<OpenedHeartbeat, { ok: true }>): boolean {
    const key = `${h.signer}/${h.beat.sidecar}`;
    const seen = this.last.get(key);
    if (seen !== undefined && h.signedAt <= seen) return false;
    if (seen === undefined && this.last.size >= this.max) return false;
    this.last.set(key, h.signedAt);
    return true;
  }
}

// Publishes a signed heartbeat now and every intervalMs; the state callback is read each time so values stay current.
export function startHeartbeat(bus: Bus, id: FleetIdentity, state: () => NodeHeartbeat, intervalMs = 10_000): () => void {
  const beat = () => bus.publish(HEARTBEAT_SUBJECT, { ...signHeartbeat(id, state()) });
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
