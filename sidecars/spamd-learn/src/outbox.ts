import { readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { busLoop, ensureLearnStream, publishLearn, reportDropped, type Supervised } from '@mta/shared';
import { type FleetLearnLink, fleetPath } from './fleet.ts';
import { KINDS, type LearnKind } from './kind.ts';
import { absent, privateDir } from './private-dir.ts';

type Conn = Parameters<typeof ensureLearnStream>[0];

export interface OutboxOptions extends FleetLearnLink {
  // Persistent: messages learned here wait in it until the stream acknowledged them (NATS may be down for a while).
  dir: string;
  // MTA_FLEET_OUTBOX_MB, and a cap on files per kind: beyond them new messages are not shared (with an event).
  maxBytes: number;
  maxFiles?: number;
  retryMs?: number;
}

// Tries per message before it is given up: one message the stream keeps refusing must never block the others.
const MAX_ATTEMPTS = 3;

// Drop-folder files learned on this node go to the fleet: copied here before the queue deletes them, then published
// to MTA_LEARN in the background. Learning never waits for NATS; the stream's dedup id makes a retry harmless.
export class LearnOutbox {
  private readonly loop: Supervised;
  private usage: { files: Record<string, number>; bytes: number } | undefined;
  private readonly attempts = new Map<string, number>();

  constructor(private readonly opts: OutboxOptions) {
    this.loop = busLoop({
      connection: opts.connection,
      follow: false,
      log: opts.log,
      unavailable: { event: 'spamd.fleet.unavailable', msg: 'publishing to the fleet failed; retrying' },
      firstMs: opts.retryMs ?? 500,
      session: (nc, signal) => this.flush(nc, signal),
    });
  }

  async put(kind: LearnKind, paths: readonly string[]): Promise<void> {
    const dir = join(this.opts.dir, kind);
    await privateDir(dir);
    const usage = await this.measure();
    for (const p of paths) {
      const data = await readFile(p).catch(absent);
      if (!data) continue;
      const facts = { source: 'MTA_LEARN', kind, bytes: data.length };
      if (data.length > this.opts.maxMessageBytes) {
        reportDropped(this.opts.log, this.opts.publish, {
          ...facts,
          reason: `larger than SPAMD_MAX_SIZE (${this.opts.maxMessageBytes} bytes)`,
        });
        continue;
      }
      if ((usage.files[kind] ?? 0) >= (this.opts.maxFiles ?? 10_000) || usage.bytes + data.length > this.opts.maxBytes) {
        reportDropped(this.opts.log, this.opts.publish, { ...facts, reason: 'fleet outbox full (MTA_FLEET_OUTBOX_MB); learned here only' });
        continue;
      }
      await writeFile(fleetPath(this.opts.dir, kind, data), data, { mode: 0o600 });
      usage.files[kind] = (usage.files[kind] ?? 0) + 1;
      usage.bytes += data.length;
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

  // Files and bytes waiting, read from the directory once, then kept up to date.
  private async measure(): Promise<{ files: Record<string, number>; bytes: number }> {
    if (this.usage) return this.usage;
    const usage = { files: {} as Record<string, number>, bytes: 0 };
    for (const kind of KINDS)
      for (const name of await readdir(join(this.opts.dir, kind)).catch(() => [] as string[])) {
        const st = await stat(join(this.opts.dir, kind, name)).catch(absent);
        if (!st) continue;
        usage.files[kind] = (usage.files[kind] ?? 0) + 1;
        usage.bytes += st.size;
      }
    this.usage = usage;
    return usage;
  }

  private async remove(kind: LearnKind, name: string, bytes: number): Promise<void> {
    await unlink(join(this.opts.dir, kind, name)).catch(absent);
    this.attempts.delete(name);
    const usage = await this.measure();
    usage.files[kind] = Math.max(0, (usage.files[kind] ?? 0) - 1);
    usage.bytes = Math.max(0, usage.bytes - bytes);
  }

  private async flush(nc: Conn, signal: AbortSignal): Promise<void> {
    const { opts } = this;
    const started = performance.now();
    await ensureLearnStream(nc);
    const sent: Record<string, number> = {};
    try {
      for (const kind of KINDS) {
        const dir = join(opts.dir, kind);
        for (const name of await readdir(dir).catch(() => [] as string[])) {
          if (signal.aborted) return;
          const data = await readFile(join(dir, name)).catch(absent);
          if (!data) continue;
          try {
            await publishLearn(nc, opts.identity, kind, data);
          } catch (e) {
            const n = (this.attempts.get(name) ?? 0) + 1;
            this.attempts.set(name, n);
            if (n < MAX_ATTEMPTS || nc.isClosed()) throw e;
            reportDropped(opts.log, opts.publish, {
              source: 'MTA_LEARN',
              kind,
              bytes: data.length,
              reason: `refused ${n} times: ${(e as Error).message}`,
            });
            await this.remove(kind, name, data.length);
            continue;
          }
          await this.remove(kind, name, data.length);
          sent[kind] = (sent[kind] ?? 0) + 1;
        }
      }
    } finally {
      if (Object.keys(sent).length)
        opts.log.info(
          { event: 'spamd.fleet.published', ...sent, durationMs: Math.round(performance.now() - started) },
          'learned messages published to the fleet',
        );
    }
  }
}
