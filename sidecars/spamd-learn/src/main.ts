#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fleetEnabled, lookupUser, mtaPaths, runSidecar, startHeartbeat } from '@mta/shared';
import { ensureBayesDir, ensureDropFolders } from './dirs.ts';
import { FleetInbox, LearnOutbox } from './fleet-sync.ts';
import { LearnQueue } from './service.ts';
import { watchDropFolders } from './watch.ts';

await runSidecar({
  name: 'spamd-learn',
  failEvent: 'spamd.fatal',
  service: async ({ config, env, log, bus, life }) => {
    const lib = config.KOPANO_SPAMD_LIB;
    if (!existsSync(lib)) {
      log.info({ event: 'spamd.absent', lib }, 'KOPANO_SPAMD_LIB does not exist; nothing to learn');
      await life.shutdown(0, 'no spamd lib');
    }
    const paths = mtaPaths();
    const user = await lookupUser('amavis');
    await ensureBayesDir(paths.bayes, user);
    await ensureDropFolders(lib);
    // Copies left by a killed run are stale: their originals are still in the drop folders and will be learned again.
    const stagingRoot = join(paths.run, 'spamd-learn', 'sidecar');
    await rm(stagingRoot, { recursive: true, force: true });
    // Fleet mode (explicit NATS_URL): what is learned here goes to MTA_LEARN, what other nodes learned comes back.
    const fleet = fleetEnabled(env);
    const node = config.MTA_NODE ?? 'mta';
    const connection = () => bus.connection();
    const outbox = fleet ? new LearnOutbox({ dir: join(paths.srvVar, 'spamd-learn', 'outbox'), connection, node, log }) : undefined;
    let inbox: FleetInbox | undefined;
    const queue = new LearnQueue({
      lib,
      batchMs: config.SPAMD_BATCH_MS,
      batchMax: config.SPAMD_BATCH_MAX,
      target: { dbPath: paths.bayes, user, home: paths.amavisHome, log, signal: life.signal },
      stagingRoot,
      log,
      bus,
      signal: life.signal,
      onLearned: fleet
        ? async (kind, files) => {
            inbox?.learned(files);
            await outbox?.put(
              kind,
              files.filter((f) => !inbox?.owns(f)),
            );
          }
        : undefined,
      onFailed: fleet ? async (file, reason) => (await inbox?.failed(file, reason)) ?? false : undefined,
    });
    let stopBeat: (() => void) | undefined;
    if (fleet && outbox) {
      inbox = new FleetInbox({
        dir: join(paths.run, 'spamd-learn', 'fleet'),
        connection,
        node,
        log,
        add: (file, kind, mtimeMs) => queue.add(file, kind, mtimeMs),
      });
      await inbox.start();
      outbox.start();
      const fleetInbox = inbox;
      // `mta fleet status`: learn lag = files queued here + fleet messages not learned here yet.
      stopBeat = startHeartbeat(bus, () => ({ sidecar: 'spamd-learn', learnPending: fleetInbox.lag(queue.size) }));
    }
    const watcher = watchDropFolders(lib, {
      stabilityMs: config.SPAMD_STABLE_MS,
      onFile: (path, kind, mtimeMs) => queue.add(path, kind, mtimeMs),
      onGone: (path) => queue.remove(path),
      onError: (err) => log.warn({ event: 'spamd.watch', err }, 'watcher error'),
    });
    watcher.on('ready', () => log.info({ event: 'spamd.ready', lib, bayes: paths.bayes, user: user.name }, 'watching spam/ and ham/'));
    return async () => {
      await watcher.close();
      await queue.stop();
      stopBeat?.();
      await outbox?.close();
      await inbox?.close();
    };
  },
});
