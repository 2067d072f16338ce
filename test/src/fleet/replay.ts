import { BUCKET_HISTORY, initFleet, openBucket } from '@mta/shared';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  type Daemon,
  eventually,
  type FileScope,
  type FleetNats,
  fleetEnv,
  type NodeKey,
  nodeKey,
  startFleetNats,
} from '../harness/index.ts';
import { logLines } from '../spamd/learner.ts';

// Replay attacks on the fleet buckets: a NATS client with write access (mx3's NATS login, which no node uses here,
// and no signing key) records a validly signed entry, and puts it back after it was superseded, as often as it likes.

// More re-puts than the bucket keeps revisions: the superseded entry's successor is gone from the history.
export const FLOOD = BUCKET_HISTORY + 1;

export interface ReplayFleet {
  nats: FleetNats;
  keys: NodeKey[];
  // The fleet variables of a node with signing key `key`, logged in as NATS user mx1 or mx2 (MTA_NODE names the
  // inbox the NATS user may read, so it is the user's name).
  env: (key: string, user: 'mx1' | 'mx2') => Record<string, string>;
}

// One NATS server from examples/fleet/nats-server.conf (TLS, NKEY users, least privilege), buckets created by the
// admin, and five node signing keys that trust each other.
export async function replayFleet(scope: FileScope): Promise<ReplayFleet> {
  const nats = await startFleetNats(await scope.dir('mta-replay-nats-'), 1);
  scope.defer(() => nats.stop());
  const admin = await nats.login('admin');
  await initFleet(admin, 1);
  await admin.close();
  const keys = ['n1', 'n2', 'n3', 'n4', 'n5'].map(nodeKey);
  const env = (name: string, user: 'mx1' | 'mx2') => ({
    ...nats.nodeEnv(user),
    MTA_NODE: user,
    ...fleetEnv(keys.find((k) => k.name === name) as NodeKey, keys),
  });
  return { nats, keys, env };
}

// A bucket value as a bystander reads it (no verification): when it was signed, what it does, its content.
export interface Seen {
  at: string;
  op: string;
  body: Buffer;
}

export const readEntry = (value: Uint8Array | undefined): Seen | undefined => {
  try {
    const e = JSON.parse(Buffer.from(value ?? []).toString('utf8')) as { at?: string; op?: string; body?: string };
    return typeof e.at === 'string' ? { at: e.at, op: String(e.op), body: Buffer.from(e.body ?? '', 'base64') } : undefined;
  } catch {
    return undefined;
  }
};

export interface Attacker {
  kv: KV;
  // The value the bucket holds for key now, byte for byte.
  record: (key: string) => Promise<Uint8Array>;
  reput: (key: string, value: Uint8Array, times: number) => Promise<void>;
  // What the bucket holds now.
  current: (key: string) => Promise<Seen | undefined>;
  // Waits until the bucket holds an entry signed after `than` that passes `ok` (an honest node put it back).
  healed: (key: string, than: Uint8Array, ok?: (s: Seen) => boolean, ms?: number) => Promise<Seen>;
}

export async function attacker(nats: FleetNats, bucket: string, scope: FileScope): Promise<Attacker> {
  const nc: NatsConnection = await nats.login('mx3');
  scope.defer(() => nc.close());
  const kv = await openBucket(nc, bucket);
  const current = async (key: string) => readEntry((await kv.get(key))?.value);
  return {
    kv,
    record: async (key) => {
      const e = await kv.get(key);
      if (!e?.value.length) throw new Error(`nothing to record at ${bucket} ${key}`);
      return e.value;
    },
    reput: async (key, value, times) => {
      for (let i = 0; i < times; i++) await kv.put(key, value);
    },
    current,
    healed: (key, than, ok = () => true, ms = 15_000) => {
      const old = Date.parse(readEntry(than)?.at ?? '') || Number.NEGATIVE_INFINITY;
      return eventually(
        async () => {
          const c = await current(key);
          return c && Date.parse(c.at) > old && ok(c) ? c : undefined;
        },
        ms,
        `${bucket} ${key}: a newer entry than the recording is back`,
      );
    },
  };
}

// A node's sidecar, restarted on the same /srv: every run's output is kept.
export class NodeProcess {
  private runs: Daemon[] = [];
  constructor(
    readonly name: string,
    readonly root: string,
    private readonly launch: () => Daemon | Promise<Daemon>,
  ) {}

  async start(ready: string): Promise<void> {
    const d = await this.launch();
    this.runs.push(d);
    await eventually(() => d.output().includes(`"event":"${ready}"`) || d.proc.exitCode !== null, 30_000, `${this.name} ${ready}`).catch(
      (e: Error) => {
        throw new Error(`${e.message}\n${d.output().slice(-4000)}`);
      },
    );
    if (d.proc.exitCode !== null) throw new Error(`${this.name} exited:\n${d.output()}`);
  }

  async stop(): Promise<void> {
    await this.runs.at(-1)?.stop();
  }

  output(): string {
    return this.runs.map((d) => d.output()).join('\n');
  }

  // Log lines of every run with this event (and these fields).
  logged(event: string, match: Record<string, unknown> = {}): Record<string, unknown>[] {
    return this.runs.flatMap((d) => logLines(d).filter((l) => l.event === event && Object.entries(match).every(([k, v]) => l[k] === v)));
  }

  // Waits for one more such line than there were when `since` was taken.
  async next(event: string, match: Record<string, unknown>, since: number, ms = 15_000): Promise<void> {
    await eventually(
      () => this.logged(event, match).length > since,
      ms,
      `${this.name}: ${event} ${JSON.stringify(match)}\n${this.output().slice(-4000)}`,
    );
  }
}

// Runs `act`, then waits until each node logged a refusal of `key` for `reason` (fleet.refused, after `act`).
export async function refusedBy(nodes: readonly NodeProcess[], key: string, reason: RegExp, act: () => Promise<unknown>): Promise<void> {
  const before = nodes.map((n) => n.logged('fleet.refused', { entry: key }).length);
  await act();
  for (const [i, n] of nodes.entries())
    await eventually(
      () =>
        n
          .logged('fleet.refused', { entry: key })
          .slice(before[i])
          .some((l) => reason.test(String(l.reason))),
      15_000,
      `${n.name} refused ${key}: ${reason}\n${n.output().slice(-4000)}`,
    );
}

export const stopAll = async (nodes: readonly NodeProcess[]): Promise<void> => {
  for (const n of nodes) await n.stop();
};
