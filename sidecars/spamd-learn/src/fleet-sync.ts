import { mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { busLoop, ensureLearnStream, type Logger, learnConsumer, publishLearn, type Supervised, toDelivery } from '@mta/shared';
import { deliveryTimeMs, fleetPath, isOwnDelivery, learnLag } from './fleet.ts';
import { KINDS, type LearnKind } from './kind.ts';

type Conn = Parameters<typeof ensureLearnStream>[0];
type JsMsg = ReturnType<typeof toDelivery>['msg'];
export type Connection = () => Promise<Conn | undefined>;

const absent = (e: NodeJS.ErrnoException) => {
  if (e.code !== 'ENOENT') throw e;
};

// Message bodies stay root-only; parents get 0755 (recursive mkdir would give every new parent the 0700, and the
// staging dir next to the inbox must stay traversable for sa-learn running as amavis).
async function privateDir(dir: string): Promise<void> {
  await mkdir(dirname(dirname(dir)), { recursive: true, mode: 0o755 });
  await mkdir(dirname(dir), { recursive: true, mode: 0o700 });
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

export interface OutboxOptions {
  // Persistent: messages learned here wait in it until the stream acknowledged them (NATS may be down for a while).
  dir: string;
  connection: Connection;
  node: string;
  log: Logger;
  retryMs?: number;
  // Bound while the stream is unreachable (per kind); beyond it messages are learned here but not shared.
  maxFiles?: number;
}

// Drop-folder files learned on this node go to the fleet: copied here before the queue deletes them, then published
// to MTA_LEARN in the background. Learning never waits for NATS; the stream's dedup id makes a retry harmless.
export class LearnOutbox {
  private readonly loop: Supervised;

  constructor(private readonly o: OutboxOptions) {
    this.loop = busLoop({
      connection: o.connection,
      follow: false,
      log: o.log,
      unavailable: { event: 'spamd.fleet.unavailable', msg: 'publishing to the fleet failed; retrying' },
      firstMs: o.retryMs ?? 500,
      session: (nc, signal) => this.flush(nc, signal),
    });
  }

  async put(kind: LearnKind, paths: readonly string[]): Promise<void> {
    const dir = join(this.o.dir, kind);
    await privateDir(dir);
    const room = (this.o.maxFiles ?? 10_000) - (await readdir(dir)).length;
    if (room < paths.length)
      this.o.log.warn(
        { event: 'spamd.fleet.outbox.full', kind, dropped: paths.length - Math.max(room, 0) },
        'fleet outbox full; not shared',
      );
    for (const p of paths.slice(0, Math.max(room, 0))) {
      const data = await readFile(p).catch(absent);
      if (data) await writeFile(fleetPath(this.o.dir, kind, data), data, { mode: 0o600 });
    }
    this.loop.kick();
  }

  // Publishes whatever an earlier run left behind.
  start(): void {
    this.loop.kick();
  }

  close(): Promise<void> {
    return this.loop.close();
  }

  private async flush(nc: Conn, signal: AbortSignal): Promise<void> {
    const { o } = this;
    await ensureLearnStream(nc);
    const sent: Record<string, number> = {};
    for (const kind of KINDS) {
      const dir = join(o.dir, kind);
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (signal.aborted) return;
        const data = await readFile(join(dir, name)).catch(absent);
        if (!data) continue;
        await publishLearn(nc, kind, data, o.node);
        await unlink(join(dir, name)).catch(absent);
        sent[kind] = (sent[kind] ?? 0) + 1;
      }
    }
    if (Object.keys(sent).length) o.log.info({ event: 'spamd.fleet.published', ...sent }, 'learned messages published to the fleet');
  }
}

export interface InboxOptions {
  // Scratch: fleet messages wait here as files for the learn queue (redelivered after a restart, so cleared then).
  dir: string;
  connection: Connection;
  node: string;
  log: Logger;
  // The learn queue: same batching, sa-learn runs, bisecting and journal syncs as the drop folders.
  add: (path: string, kind: LearnKind, mtimeMs: number) => void;
  // Most messages held (delivered, not yet acked) at once.
  maxMessages?: number;
  retryMs?: number;
}

// Every node's durable consumer on MTA_LEARN: messages from other nodes are learned once into this node's Bayes DB
// and acked only after that; a node that was down gets what it missed.
export class FleetInbox {
  private readonly held = new Map<string, JsMsg>();
  private loop: Supervised | undefined;
  private lagInfo: { num_pending?: number; num_ack_pending?: number } | undefined;

  constructor(private readonly o: InboxOptions) {}

  owns(path: string): boolean {
    return path.startsWith(`${this.o.dir}/`);
  }

  // Fleet messages not learned here yet (plus local queue size given by the caller).
  lag(queued: number): number {
    return learnLag(queued, this.lagInfo);
  }

  // In the DB now: ack, so this node's consumer never delivers them again.
  learned(paths: readonly string[]): void {
    for (const p of paths) {
      this.held.get(p)?.ack();
      this.held.delete(p);
    }
  }

  // Failed alone on a healthy DB: no node can learn it; terminate the delivery instead of retrying forever.
  async failed(path: string, reason: string): Promise<boolean> {
    if (!this.owns(path)) return false;
    this.held.get(path)?.term(reason.slice(0, 200));
    this.held.delete(path);
    this.o.log.warn(
      { event: 'spamd.fleet.rejected', file: path.slice(this.o.dir.length + 1), reason },
      'fleet message not learnable; dropped',
    );
    await unlink(path).catch(absent);
    return true;
  }

  async start(): Promise<void> {
    await rm(this.o.dir, { recursive: true, force: true });
    for (const k of KINDS) await privateDir(join(this.o.dir, k));
    this.loop = busLoop({
      connection: this.o.connection,
      follow: true,
      log: this.o.log,
      unavailable: { event: 'spamd.fleet.unavailable', msg: 'fleet learn stream unavailable; retrying' },
      firstMs: this.o.retryMs ?? 250,
      maxMs: 2000,
      session: (nc, signal) => this.follow(nc, signal),
    });
  }

  async close(): Promise<void> {
    await this.loop?.close();
  }

  private async follow(nc: Conn, signal: AbortSignal): Promise<void> {
    const { o } = this;
    await ensureLearnStream(nc);
    const consumer = await learnConsumer(nc, o.node);
    // Short pull expiry: missed heartbeats (a consumer leader moved after a server died) are noticed in seconds.
    const msgs = await consumer.consume({ max_messages: o.maxMessages ?? 256, expires: 5000 });
    const stop = () => msgs.stop();
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) msgs.stop();
    const lagTimer = setInterval(() => {
      consumer.info().then(
        (i) => (this.lagInfo = i),
        () => {},
      );
    }, 2000);
    o.log.info({ event: 'spamd.fleet.following', node: o.node }, 'learning from the fleet stream');
    try {
      for await (const m of msgs) {
        const d = toDelivery(m);
        if (isOwnDelivery(d.from, o.node)) {
          m.ack();
          continue;
        }
        const path = fleetPath(o.dir, d.kind, d.message);
        await writeFile(path, d.message, { mode: 0o600 });
        this.held.set(path, m);
        o.add(path, d.kind, deliveryTimeMs(m.info.timestampNanos));
      }
    } finally {
      clearInterval(lagTimer);
      signal.removeEventListener('abort', stop);
    }
  }
}
