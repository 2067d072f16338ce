import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DMARC_BUCKET, type FleetBucket, type FleetIdentity, type Logger, openEntry, seal } from '@mta/shared';
import { type Verdict, verdictsFromJson } from './history.ts';

// A day's records of one node are one signed entry, its body base64 in the envelope (4/3): past this the entry would
// exceed NATS's default 1 MB message, and is not shared (logged).
const MAX_ENTRY_BYTES = 700 * 1024;
// The node first in line for a domain sends at the usual time; each next one waits this much longer, so a node that
// is down does not keep the report from going.
export const FALLBACK_S = 2 * 3600;

const recKey = (day: string, publicKey: string) => `rec.${day}.${publicKey}`;
const sentKey = (day: string, domain: string) => `sent.${day}.${domain.replace(/[^-_.a-zA-Z0-9]/g, '_')}`;
const signerOf = (bytes: Uint8Array): string | undefined => {
  try {
    return (JSON.parse(Buffer.from(bytes).toString('utf8')) as { signer?: string }).signer;
  } catch {
    return undefined;
  }
};

// The fleet's side of the reports (KV bucket mta-dmarc). Every node puts its own verdicts of a day under
// rec.<day>.<its public key>, signed; the report of a domain is built from the entries of that day under the trusted
// nodes' keys (MTA_FLEET_TRUST and this node). A forged entry there (no trusted signature), one signed by another
// node than its key names, or one moved from another key or day, is refused; a replayed older entry of a node holds
// a subset of what it holds now, and a message is counted once however many entries name it: nothing can raise a
// count. One node sends each report: the nodes that have records of the day are ranked per domain (rendezvous
// hashing), the first sends after the grace time, the next FALLBACK_S later, and so on; whoever sends first creates
// sent.<day>.<domain> (compare-and-set), which stops every other node, also one that comes back later with records
// of that day.
export class ReportFleet {
  // Refusals already told (key and revision): each pass reads the day again.
  private readonly told = new Set<string>();

  constructor(
    private readonly kv: FleetBucket,
    private readonly id: FleetIdentity,
    private readonly log: Logger,
    // A refused entry (logged and published as fleet.refused by the sidecar), never its content.
    private readonly onRefused: (key: string, reason: string) => void,
  ) {}

  // Puts this node's verdicts of a day, when they differ from what the bucket holds for it.
  async publish(day: string, verdicts: readonly Verdict[]): Promise<void> {
    const key = recKey(day, this.id.publicKey);
    const body = gzipSync(JSON.stringify(verdicts));
    if (body.length > MAX_ENTRY_BYTES) {
      this.log.warn(
        { event: 'dmarc.fleet_too_large', day, bytes: body.length },
        "this node's DMARC records of a day are too large to share",
      );
      return;
    }
    const e = await this.kv.get(key);
    if (e?.operation === 'PUT' && e.value.length) {
      const o = openEntry(this.id, DMARC_BUCKET, key, e.value);
      if (o.ok && o.self && gunzipSync(o.body).equals(gunzipSync(body))) return;
    }
    await this.kv.put(key, seal(this.id, DMARC_BUCKET, key, body));
  }

  // Every trusted node's verdicts of a day (this node's own included), and the public keys of the nodes that have any.
  async day(day: string): Promise<{ verdicts: Verdict[]; nodes: string[] }> {
    const verdicts: Verdict[] = [];
    const nodes: string[] = [];
    // Only the trusted nodes' keys are looked up (direct gets): whatever else a client wrote is never even read.
    for (const node of this.id.signers.keys()) {
      const key = recKey(day, node);
      const e = await this.kv.get(key);
      if (e?.operation !== 'PUT' || !e.value.length) continue;
      const o = openEntry(this.id, DMARC_BUCKET, key, e.value);
      const refuse = (reason: string) => this.refuse(`${key}@${e.revision}`, key, reason);
      if (!o.ok) {
        refuse(o.reason);
        continue;
      }
      const publicKey = node;
      if (signerOf(e.value) !== publicKey) {
        refuse(`signed by ${o.signer}, not by the node the key names`);
        continue;
      }
      let data: unknown;
      try {
        data = JSON.parse(gunzipSync(o.body).toString('utf8'));
      } catch {
        refuse('not gzipped JSON');
        continue;
      }
      const { verdicts: good, dropped } = verdictsFromJson(data);
      if (dropped) refuse(`${dropped} malformed records`);
      verdicts.push(...good);
      nodes.push(publicKey);
    }
    return { verdicts, nodes };
  }

  // This node's place in line to send a domain's report among the nodes with records (0: first), or -1.
  rank(domain: string, nodes: readonly string[]): number {
    const score = (n: string) => createHash('sha256').update(`${domain}\n${n}`).digest('hex');
    const order = [...nodes].sort((a, b) => (score(a) < score(b) ? -1 : score(a) > score(b) ? 1 : 0));
    return order.indexOf(this.id.publicKey);
  }

  // Takes the report of (day, domain): true when this node holds the sent entry (created it now, or earlier and the
  // sending failed), false when another trusted node does. An entry no trusted node signed is no claim: it is
  // overwritten (a forged one must not stop reports).
  async claim(day: string, domain: string, note: string): Promise<boolean> {
    const key = sentKey(day, domain);
    const sealed = seal(this.id, DMARC_BUCKET, key, new TextEncoder().encode(note));
    const e = await this.kv.get(key);
    if (e?.operation === 'PUT' && e.value.length) {
      const o = openEntry(this.id, DMARC_BUCKET, key, e.value);
      if (o.ok) return o.self;
      this.refuse(`${key}@${e.revision}`, key, o.reason);
      await this.kv.update(key, sealed, e.revision);
      return true;
    }
    try {
      await (e ? this.kv.update(key, sealed, e.revision) : this.kv.create(key, sealed));
      return true;
    } catch {
      // Another node was first.
      return false;
    }
  }

  private refuse(seen: string, key: string, reason: string): void {
    if (this.told.has(seen)) return;
    this.told.add(seen);
    this.onRefused(key, reason);
  }
}
