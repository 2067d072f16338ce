import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '@mta/cli/program';
import { mtaPaths } from '@mta/shared';
import { type Daemon, eventually, fleetEnv, nodeKey, startDaemon, startNats, tempRoot, tsxArgs } from '@mta/test/harness/index';

const MAIN = fileURLToPath(new URL('../../../sidecars/dkim-keys/src/main.ts', import.meta.url));
export const DKIM_DOMAIN = 'bench.test';

export interface DkimFleet {
  // The key file each node signs with (what amavis loads), or '' while it has none.
  keys: () => Promise<string[]>;
  // When each node last wrote its key file (epoch ms).
  writtenAt: () => Promise<number[]>;
  // `mta fleet retire dkim` as the operator on the first node runs it.
  retire: () => Promise<void>;
  stop: () => Promise<void>;
}

// `size` real dkim-keys sidecars (own temp roots and signing keys, each trusting the others) serving one domain, on
// one local JetStream nats-server (the first node creates the bucket, as in a fleet without NATS permissions); returns once they all
// sign with one key.
export async function startDkimFleet(size: number): Promise<DkimFleet> {
  const t = await tempRoot('mta-bench-fleet-dkim-');
  const nats = await startNats({ jetstream: true, dir: t.dir });
  const keys = Array.from({ length: size }, (_, i) => nodeKey(`bench-${String.fromCharCode(97 + i)}`));
  const roots = await Promise.all(keys.map((k) => tempRoot(`mta-bench-dkim-${k.name}-`)));
  const daemons: Daemon[] = [];
  const files = roots.map((r) => join(mtaPaths(r.dir).dkim, `${DKIM_DOMAIN}.default.privkey.pem`));
  const stop = async () => {
    for (const d of daemons) await d.stop();
    await nats.stop();
    for (const r of [t, ...roots]) await r.cleanup();
  };
  const fleet: DkimFleet = {
    keys: () => Promise.all(files.map((f) => readFile(f, 'utf8').catch(() => ''))),
    writtenAt: () => Promise.all(files.map(async (f) => (await stat(f)).mtimeMs)),
    retire: async () => {
      const out: string[] = [];
      const env = { HOSTNAME: `mx.${DKIM_DOMAIN}`, NATS_URL: nats.url, MTA_NODE: keys[0]?.name, MTA_FLEET_KEY: keys[0]?.seed };
      const code = await runCli(['fleet', 'retire', 'dkim', DKIM_DOMAIN], { env, out: (l) => out.push(l), err: (l) => out.push(l) });
      if (code !== 0) throw new Error(`mta fleet retire: ${out.join('\n')}`);
    },
    stop,
  };
  try {
    for (const [i, k] of keys.entries()) {
      const root = (roots[i] as (typeof roots)[number]).dir;
      await mkdir(mtaPaths(root).dkim, { recursive: true });
      daemons.push(
        startDaemon(process.execPath, tsxArgs(MAIN), {
          env: {
            PATH: process.env.PATH,
            MTA_ROOT: root,
            HOSTNAME: `mx${i}.${DKIM_DOMAIN}`,
            NATS_URL: nats.url,
            MAIL_DOMAIN: DKIM_DOMAIN,
            MTA_NODE: k.name,
            ...fleetEnv(k, keys),
          },
        }),
      );
    }
    await eventually(
      async () => {
        const now = await fleet.keys();
        return now[0] !== '' && now.every((x) => x === now[0]);
      },
      120_000,
      'every node signs with one key',
    );
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${daemons.map((d) => d.output().slice(-2000)).join('\n')}`);
  }
  return fleet;
}
