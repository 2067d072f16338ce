import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  busLoop,
  ensureLearnStream,
  type LearnPart,
  learnConsumer,
  learnPart,
  reportRefusal,
  type Supervised,
  verifyLearn,
} from '@mta/shared';
import { type Assembled, Assembler } from './assemble.ts';
import { deliveryTimeMs, type FleetLearnLink, fleetPath, learnLag } from './fleet.ts';
import { fleetItem, type QueueItem } from './item.ts';
import { KINDS } from './kind.ts';
import { privateDir } from './private-dir.ts';

type Conn = Parameters<typeof ensureLearnStream>[0];
type JsMsg = LearnPart['msg'];

export interface InboxOptions extends FleetLearnLink {
  // Scratch: fleet messages wait here as files for the learn queue (redelivered after a restart, so cleared then).
  dir: string;
  // The learn queue: same batching, sa-learn runs, bisecting and journal syncs as the drop folders.
  add: (item: QueueItem, mtimeMs: number) => void;
  // Most stream messages held (delivered, not yet acked) at once.
  maxMessages?: number;
  retryMs?: number;
}

// Every node's durable consumer on MTA_LEARN: messages other trusted nodes signed are learned once into this node's
// Bayes DB and acked only after that; a node that was down gets what it missed. Unsigned, untrusted, tampered and
// oversized messages are terminated with an event.
export class FleetInbox {
  private readonly held = new Map<string, JsMsg[]>();
  private loop: Supervised | undefined;
  private lagInfo: { num_pending?: number; num_ack_pending?: number } | undefined;
  private readonly assembler: Assembler;

  constructor(private readonly opts: InboxOptions) {
    // An evicted half message comes again after a while (its chunks stay unacked).
    this.assembler = new Assembler(opts.maxMessageBytes, (parts) => {
      for (const p of parts) p.msg.nak(30_000);
    });
  }

  // Whether a queue item is one of its messages (its key is the scratch path).
  owns(item: Pick<QueueItem, 'key'>): boolean {
    return item.key.startsWith(`${this.opts.dir}/`);
  }

  // Fleet messages not learned here yet (plus local queue size given by the caller).
  lag(queued: number): number {
    return learnLag(queued, this.lagInfo);
  }

  // In the DB now: ack, so this node's consumer never delivers them again.
  learned(items: readonly Pick<QueueItem, 'key'>[]): void {
    for (const { key } of items) {
      for (const m of this.held.get(key) ?? []) m.ack();
      this.held.delete(key);
    }
  }

  // Failed alone on a healthy DB: no node can learn it; terminate the delivery instead of retrying forever.
  async failed(item: QueueItem, reason: string): Promise<boolean> {
    if (!this.owns(item)) return false;
    for (const m of this.held.get(item.key) ?? []) m.term(reason.slice(0, 200));
    this.held.delete(item.key);
    this.opts.log.warn(
      { event: 'spamd.fleet.rejected', file: item.key.slice(this.opts.dir.length + 1), reason },
      'fleet message not learnable; dropped',
    );
    await item.remove();
    return true;
  }

  async start(): Promise<void> {
    await rm(this.opts.dir, { recursive: true, force: true });
    for (const k of KINDS) await privateDir(join(this.opts.dir, k));
    this.loop = busLoop({
      connection: this.opts.connection,
      follow: true,
      log: this.opts.log,
      unavailable: { event: 'spamd.fleet.unavailable', msg: 'fleet learn stream unavailable; retrying' },
      firstMs: this.opts.retryMs ?? 250,
      maxMs: 1000,
      session: (nc, signal) => this.follow(nc, signal),
    });
  }

  async close(): Promise<void> {
    await this.loop?.close();
  }

  private refuse(msgs: readonly JsMsg[], reason: string, facts: Record<string, unknown> = {}): void {
    for (const m of msgs) m.term(reason.slice(0, 200));
    const first = msgs[0];
    reportRefusal(this.opts.log, this.opts.publish, { source: 'MTA_LEARN', entry: String(first?.seq ?? '?'), reason, ...facts });
  }

  private async take(a: Assembled): Promise<void> {
    const { opts } = this;
    const msgs = a.parts.map((p) => p.msg);
    const first = a.parts[0] as LearnPart;
    if (a.kind === 'too-large') return this.refuse(msgs, `larger than SPAMD_MAX_SIZE (${opts.maxMessageBytes} bytes)`);
    const v = verifyLearn(opts.identity, first, a.message);
    if (!v.ok) return this.refuse(msgs, v.reason);
    // Learned here before it was published: acknowledge, do not learn it twice.
    if (opts.identity.isSelf(first.signer)) {
      for (const m of msgs) m.ack();
      return;
    }
    const path = fleetPath(opts.dir, first.kind, a.message);
    await writeFile(path, a.message, { mode: 0o600 });
    this.held.set(path, [...(this.held.get(path) ?? []), ...msgs]);
    const storedAt = deliveryTimeMs(first.msg.info.timestampNanos);
    opts.log.debug({ event: 'spamd.fleet.received', kind: first.kind, storedAt }, 'fleet message received');
    opts.add(fleetItem(path, first.kind), storedAt);
  }

  private async follow(nc: Conn, signal: AbortSignal): Promise<void> {
    const { opts } = this;
    await ensureLearnStream(nc);
    const consumer = await learnConsumer(nc, opts.identity.node);
    // Short pull expiry: missed heartbeats (a consumer leader moved after a server died) are noticed in seconds.
    const msgs = await consumer.consume({ max_messages: opts.maxMessages ?? 256, expires: 5000 });
    const stop = () => msgs.stop();
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) msgs.stop();
    const lagTimer = setInterval(() => {
      consumer.info().then(
        (i) => (this.lagInfo = i),
        () => {},
      );
    }, 2000);
    opts.log.info({ event: 'spamd.fleet.following', node: opts.identity.node }, 'learning from the fleet stream');
    try {
      for await (const m of msgs) {
        const p = learnPart(m);
        if ('reason' in p) {
          this.refuse([m], p.reason);
          continue;
        }
        const whole = this.assembler.add(p);
        if (whole) await this.take(whole);
      }
    } finally {
      clearInterval(lagTimer);
      signal.removeEventListener('abort', stop);
    }
  }
}
