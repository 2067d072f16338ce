import { eventually, fleetEnv, nodeKey, startNats, tempRoot } from '@mta/test/harness/index';
import { drop, makeLib, startLearner } from '@mta/test/spamd/learner';
import { LogTail } from './log-tail.ts';

export interface LearnNode {
  name: string;
  lib: string;
  log: LogTail;
}

export interface LearnFleet {
  nodes: LearnNode[];
  drop: (node: LearnNode, name: string, data: string) => Promise<void>;
  stop: () => Promise<void>;
}

// `size` real spamd-learn processes (own temp roots, Bayes DBs and signing keys, each trusting the others, real
// sa-learn as amavis) sharing MTA_LEARN on one local JetStream nats-server, every one following the stream. Debug
// logs on: their lines time each phase.
export async function startLearnFleet(size: number, env: Record<string, string> = {}): Promise<LearnFleet> {
  const t = await tempRoot('mta-bench-fleet-');
  const nats = await startNats({ jetstream: true, dir: t.dir });
  const keys = Array.from({ length: size }, (_, i) => nodeKey(`bench-${String.fromCharCode(97 + i)}`));
  const roots = await Promise.all(keys.map((k) => tempRoot(`mta-bench-fleet-${k.name}-`)));
  const daemons: ReturnType<typeof startLearner>[] = [];
  const nodes: LearnNode[] = [];
  const stop = async () => {
    for (const d of daemons) await d.stop();
    await nats.stop();
    for (const r of [t, ...roots]) await r.cleanup();
  };
  try {
    for (const [i, k] of keys.entries()) {
      const root = (roots[i] as (typeof roots)[number]).dir;
      const lib = await makeLib(root);
      const d = startLearner(root, lib, { NATS_URL: nats.url, MTA_NODE: k.name, SYSLOG_LEVEL: '7', ...env, ...fleetEnv(k, keys) });
      daemons.push(d);
      nodes.push({ name: k.name, lib, log: new LogTail(d) });
    }
    for (const n of nodes) await eventually(() => n.log.events('spamd.fleet.following').length > 0, 60_000, `${n.name} follows the stream`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { nodes, drop: (node, name, data) => drop(node.lib, 'spam', name, data), stop };
}

// Messages a node learned (its `spamd.learned` lines) from the log index `from` on.
export const learnedSince = (n: LearnNode, from: number): number =>
  n.log.events('spamd.learned', from).reduce((sum, l) => sum + Number(l.count), 0);

// Whether a node's journal is merged after its last learned run since the log index `from`: that run's batch merged
// it (`sync`), or a merge followed. Then no sa-learn of the round is left running on it.
export function merged(n: LearnNode, from: number): boolean {
  const lines = n.log.all().slice(from);
  const learned = lines.findLastIndex((l) => l.event === 'spamd.learned');
  if (learned < 0 || lines.slice(learned).some((l) => l.event === 'spamd.synced')) return true;
  return lines.slice(0, learned).findLast((l) => l.event === 'spamd.batch')?.sync === true;
}

// Waits until every node merged its journal after its last learned run: the next round starts on idle nodes.
export const settled = (nodes: readonly LearnNode[], from: readonly number[]): Promise<unknown> =>
  Promise.all(nodes.map((n, i) => eventually(() => merged(n, from[i] as number), 30_000, `${n.name} merged its journal`)));
