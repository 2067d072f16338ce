#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir, fleetEnabled, lookupUser, mtaPaths, RefusedPaths, runSidecar, startHeartbeat } from '@mta/shared';
import { dropPrivileges, ensureBayesDir, ensureDropFolders } from './dirs.ts';
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
    const refused = new RefusedPaths(log, 'spamd-learn');
    // Root only for this: the dirs spamd-learn owns, the Bayes dir, the drop folders' group; then amavis for good.
    const own = { mode: 0o750, uid: user.uid, gid: user.gid };
    const state = join(paths.run, 'spamd-learn');
    const keep = join(paths.srvVar, 'spamd-learn');
    if (process.getuid?.() === 0) for (const d of [state, keep]) await ensureDir(d, own);
    await ensureBayesDir(paths.bayes, user);
    const folders = await ensureDropFolders(lib, refused);
    if (dropPrivileges(user, folders.gid))
      log.info({ event: 'spamd.privileges', uid: user.uid, gids: process.getgroups?.() }, `running as ${user.name}`);
    const failedDir = join(keep, 'failed');
    await mkdir(failedDir, { recursive: true, mode: 0o750 });
    // Copies left by a killed run are stale: their originals are still in the drop folders and will be learned again.
    const stagingRoot = join(state, 'sidecar');
    await rm(stagingRoot, { recursive: true, force: true });
    // Fleet mode (explicit NATS_URL): what is learned here goes to MTA_LEARN, what other nodes learned comes back.
    const fleet = fleetEnabled(env);
    const node = config.MTA_NODE ?? 'mta';
    const connection = () => bus.connection();
    const outbox = fleet ? new LearnOutbox({ dir: join(keep, 'outbox'), connection, node, log }) : undefined;
    let inbox: FleetInbox | undefined;
    const queue = new LearnQueue({
      failedDir,
      refused,
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
        dir: join(state, 'fleet'),
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
    const watcher = watchDropFolders(
      lib,
      {
        stabilityMs: config.SPAMD_STABLE_MS,
        onFile: (path, kind, mtimeMs) => queue.add(path, kind, mtimeMs),
        onGone: (path) => queue.remove(path),
        onError: (err) => log.warn({ event: 'spamd.watch', err }, 'watcher error'),
      },
      folders.kinds,
    );
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
