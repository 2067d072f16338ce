import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { openEntry, seal } from '../fleet/envelope.ts';
import type { FleetIdentity } from '../fleet/identity.ts';
import type { FleetBucket } from '../fleet/kv.ts';
import type { Logger } from '../log.ts';

// A day's records of one node are one signed entry, its body base64 in the envelope (4/3): past this the entry would
// exceed NATS's default 1 MB message, and is not shared (logged).
const MAX_ENTRY_BYTES = 700 * 1024;
// The node first in line for a domain sends at the usual time; each next one waits this much longer, so a node that
// is down does not keep the report from going.
export const FALLBACK_S = 2 * 3600;

const signerOf = (bytes: Uint8Array): string | undefined => {
  try {
    return (JSON.parse(Buffer.from(bytes).toString('utf8')) as { signer?: string }).signer;
  } catch {
    return undefined;
  }
};

export interface DayFleetOptions {
  kv: FleetBucket;
  id: FleetIdentity;
  // The bucket's name (part of every signature) and the kind of report, which prefixes the keys ('' for DMARC's,
  // which came first) so two kinds share one bucket without meeting.
  bucket: string;
  prefix: string;
  // The report's name in log lines ('DMARC', 'TLS-RPT').
  what: string;
  // The log events' prefix ('dmarc', 'tlsrpt').
  events: string;
  log: Logger;
  // A refused entry (logged and published as fleet.refused by the sidecar), never its content.
  onRefused: (key: string, reason: string) => void;
}

// The fleet's side of a daily report. Every node puts its own records of a day under <prefix>rec.<day>.<its public
// key>, signed; a report is built from the entries of that day under the trusted nodes' keys (MTA_FLEET_TRUST and
// this node). A forged entry there (no trusted signature), one signed by another node than its key names, or one
// moved from another key or day, is refused; each node has one entry per day, replaced as it grows, so nothing is
// counted twice. One node sends each report: the nodes that have records of the day are ranked per domain
// (rendezvous hashing), the first sends after the grace time, the next FALLBACK_S later, and so on; whoever sends
// first creates <prefix>sent.<day>.<domain> (compare-and-set), which stops every other node, also one that comes
// back later with records of that day.
export class DayFleet {
  // Refusals already told (key and revision): each pass reads the day again.
  private readonly told = new Set<string>();

  constructor(private readonly o: DayFleetOptions) {}

  get publicKey(): string {
    return this.o.id.publicKey;
  }

  private recKey = (day: string, publicKey: string) => `${this.o.prefix}rec.${day}.${publicKey}`;
  private sentKey = (day: string, domain: string) => `${this.o.prefix}sent.${day}.${domain.replace(/[^-_.a-zA-Z0-9]/g, '_')}`;

  // Puts this node's records of a day (JSON), when they differ from what the bucket holds for it.
  async publish(day: string, data: unknown): Promise<void> {
    const { kv, id, bucket, log, what, events } = this.o;
    const key = this.recKey(day, id.publicKey);
    const body = gzipSync(JSON.stringify(data));
    if (body.length > MAX_ENTRY_BYTES) {
      log.warn(
        { event: `${events}.fleet_too_large`, day, bytes: body.length },
        `this node's ${what} records of a day are too large to share`,
      );
      return;
    }
    const e = await kv.get(key);
    if (e?.operation === 'PUT' && e.value.length) {
      const o = openEntry(id, bucket, key, e.value);
      if (o.ok && o.self && gunzipSync(o.body).equals(gunzipSync(body))) return;
    }
    await kv.put(key, seal(id, bucket, key, body));
  }

  // Every trusted node's records of a day (this node's own included) as JSON, still to be checked by the caller.
  async day(day: string): Promise<{ node: string; data: unknown }[]> {
    const { kv, id, bucket } = this.o;
    const out: { node: string; data: unknown }[] = [];
    // Only the trusted nodes' keys are looked up (direct gets): whatever else a client wrote is never even read.
    for (const node of id.signers.keys()) {
      const key = this.recKey(day, node);
      const e = await kv.get(key);
      if (e?.operation !== 'PUT' || !e.value.length) continue;
      const o = openEntry(id, bucket, key, e.value);
      if (!o.ok) {
        this.refuse(`${key}@${e.revision}`, key, o.reason);
        continue;
      }
      if (signerOf(e.value) !== node) {
        this.refuse(`${key}@${e.revision}`, key, `signed by ${o.signer}, not by the node the key names`);
        continue;
      }
      try {
        out.push({ node, data: JSON.parse(gunzipSync(o.body).toString('utf8')) });
      } catch {
        this.refuse(`${key}@${e.revision}`, key, 'not gzipped JSON');
      }
    }
    return out;
  }

  // A refusal of something inside an entry (malformed records), told once per entry revision like the others.
  refused(day: string, node: string, reason: string): void {
    const key = this.recKey(day, node);
    this.refuse(`${key}:${reason}`, key, reason);
  }

  // This node's place in line to send a domain's report among the nodes with records (0: first), or -1.
  rank(domain: string, nodes: readonly string[]): number {
    const score = (n: string) => createHash('sha256').update(`${domain}\n${n}`).digest('hex');
    const order = [...nodes].sort((a, b) => (score(a) < score(b) ? -1 : score(a) > score(b) ? 1 : 0));
    return order.indexOf(this.o.id.publicKey);
  }

  // Takes the report of (day, domain): true when this node holds the sent entry (created it now, or earlier and the
  // sending failed), false when another trusted node does. An entry no trusted node signed is no claim: it is
  // overwritten (a forged one must not stop reports).
  async claim(day: string, domain: string, note: string): Promise<boolean> {
    const { kv, id, bucket } = this.o;
    const key = this.sentKey(day, domain);
    const sealed = seal(id, bucket, key, new TextEncoder().encode(note));
    const e = await kv.get(key);
    if (e?.operation === 'PUT' && e.value.length) {
      const o = openEntry(id, bucket, key, e.value);
      if (o.ok) return o.self;
      this.refuse(`${key}@${e.revision}`, key, o.reason);
      await kv.update(key, sealed, e.revision);
      return true;
    }
    try {
      await (e ? kv.update(key, sealed, e.revision) : kv.create(key, sealed));
      return true;
    } catch {
      // Another node was first.
      return false;
    }
  }

  private refuse(seen: string, key: string, reason: string): void {
    if (this.told.has(seen)) return;
    this.told.add(seen);
    this.o.onRefused(key, reason);
  }
}
