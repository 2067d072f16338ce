import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Config,
  type DaemonRef,
  ErrorCode,
  type Logger,
  lookupGroup,
  MtaError,
  type MtaPaths,
  RefusedPaths,
  seedGate,
  serial,
  spacedReload,
} from '@mta/shared';
import type { DkimCore } from './core.ts';
import { ensureKeys } from './ensure.ts';
import type { Publish } from './events.ts';
import { DkimFleet, type FleetLink } from './fleet-sync.ts';
import { KeyInfoCache } from './keycache.ts';
import { inspectKey, type KeyInfo } from './keyinfo.ts';
import { restartPostsrsd } from './srs-file.ts';
import { SrsFleet } from './srs-fleet.ts';
import { syncKeys } from './sync.ts';
import { watchKeyDir } from './watch.ts';

type DkimConfig = Pick<
  Config,
  'MAIL_DOMAIN' | 'DKIM_SELECTOR' | 'DKIM_KEYBITS' | 'DKIM_PRIVATEKEY' | 'FORCE_CONFIG' | 'DOCKER_UNLOCK_FILE'
>;

export interface ServiceOptions {
  paths: MtaPaths;
  config: DkimConfig;
  log: Logger;
  publish?: Publish;
  // false = one-shot (entry step): ensure keys, write the snippet, return.
  watch: boolean;
  // Set by the entrypoint, which knows whether this start seeds (the seed has removed the unlock file by then).
  seeding?: boolean;
  // How to reach the running amavis for a reload (default: amavisDaemon from @mta/shared).
  amavis?: DaemonRef;
  // Least time between two amavis reloads (default AMAVIS_RELOAD_GAP_MS); tests of back-to-back key changes shorten it.
  reloadGapMs?: number;
  // Fleet mode (NATS_URL + MTA_FLEET_KEY): share keys through the KV bucket mta-dkim. Only for the watching service.
  fleet?: FleetLink;
}

// Owner for key files: root, group amavis (looked up now, the image may renumber it); none when not root.
async function keyOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  return { uid: 0, gid: (await lookupGroup('amavis')) ?? 0 };
}

// Seeding is when the user's variables win over files on disk: the seed's own gate.
const isSeeding = (paths: MtaPaths, config: DkimConfig): boolean =>
  seedGate({ FORCE_CONFIG: config.FORCE_CONFIG, DOCKER_UNLOCK_FILE: config.DOCKER_UNLOCK_FILE }, paths.root).run;

// The sidecar without its process shell: validate, key every domain, render the amavis snippet, then watch.
export async function runDkimKeys(opts: ServiceOptions): Promise<{ core: DkimCore; close: () => Promise<void> }> {
  const { paths, config, log } = opts;
  let envKey: { pem: string; info: KeyInfo } | undefined;
  if (config.DKIM_PRIVATEKEY) {
    const r = inspectKey(config.DKIM_PRIVATEKEY);
    if (!r.ok) throw new MtaError(ErrorCode.Validation, `DKIM_PRIVATEKEY: ${r.reason}`);
    envKey = { pem: config.DKIM_PRIVATEKEY, info: r.info };
  }
  // Shared by the `--once` entry step and the service that follows it (run/ is per container start).
  const cacheDir = join(paths.run, 'dkim-keys');
  await mkdir(cacheDir, { recursive: true });
  // amavis re-reads its config (and so the dkim_key lines) on SIGHUP; spaced from every other reload (sa-update, mta).
  const amavisReload = spacedReload({ paths, log, reason: 'dkim-keys', daemon: opts.amavis, gapMs: opts.reloadGapMs });
  const core: DkimCore = {
    dir: paths.dkim,
    snippetPath: paths.amavisDkim,
    selector: config.DKIM_SELECTOR,
    owner: await keyOwner(),
    log,
    publish: opts.publish,
    reload: amavisReload.reload,
    known: new Map(),
    refused: new RefusedPaths(log, 'dkim-keys'),
    keyCache: await KeyInfoCache.open(join(cacheDir, 'keyinfo.json')),
  };
  const domains = config.MAIL_DOMAIN ?? [];
  // Fleet adoption and dir syncs never interleave on the same files.
  const run = serial();
  const policy = { served: new Set(domains.map((d) => d.toLowerCase())), minBits: config.DKIM_KEYBITS };
  const regenerate = async (domain: string) => {
    await ensureKeys(core, { domains: [domain], bits: config.DKIM_KEYBITS, seeding: false });
    // Same file name, same snippet: amavis still has to load the new key.
    if (!(await syncKeys(core, { announce: true })).snippetChanged) await core.reload();
  };
  const fleet = opts.watch && opts.fleet ? new DkimFleet(core, opts.fleet, run, policy, regenerate, paths.fleetState) : undefined;
  // Adopt before generating: a node joining the fleet must not mint a key the others would have to drop.
  const inFleet = !!fleet && (await fleet.open());
  const fleetFailed = (e: Error) =>
    log.warn({ event: 'dkim.fleet.unavailable', err: e.message }, 'fleet not reachable; keys stay local for now');
  if (inFleet) await fleet.preAdopt(domains).catch(fleetFailed);
  // The SRS secret is a key the fleet shares too, wherever postsrsd runs: when the seed wired SRS (its argument file,
  // the postsrsd service's own rule). postsrsd is restarted when the fleet's secret differs from ours.
  const srs =
    opts.watch && opts.fleet && existsSync(paths.srsArgs)
      ? new SrsFleet(
          { secret: paths.srsSecret, restart: () => restartPostsrsd(paths.serviceDir, log), log },
          opts.fleet,
          run,
          paths.fleetState,
        )
      : undefined;
  if (srs && (await srs.open())) await srs.claim().catch(fleetFailed);
  const done = await ensureKeys(core, { domains, bits: config.DKIM_KEYBITS, envKey, seeding: opts.seeding ?? isSeeding(paths, config) });
  const { keys } = await syncKeys(core, { announce: false });
  // Settle with the fleet before reporting ready, so a key that loses (e.g. minted by `--once`) is never announced.
  if (inFleet) await fleet.publishLocal().catch(fleetFailed);
  log.info({ event: 'dkim.ready', done, keys: keys.length }, 'dkim keys ready');
  if (!opts.watch) return { core, close: () => amavisReload.close() };
  const watcher = await watchKeyDir(
    core.dir,
    () =>
      run(async () => {
        await syncKeys(core, { announce: true });
        await fleet
          ?.publishLocal()
          .catch((e: Error) => log.warn({ event: 'dkim.fleet.publish.failed', err: e.message }, 'fleet DKIM sync failed'));
      }),
    log,
  );
  fleet?.start();
  srs?.start();
  return {
    core,
    close: async () => {
      await srs?.close();
      await fleet?.close();
      await watcher.close();
      await amavisReload.close();
    },
  };
}
