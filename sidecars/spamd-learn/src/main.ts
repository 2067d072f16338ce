#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir, joinFleet, lookupUser, mtaPaths, RefusedPaths, runSidecar, startHeartbeat } from '@mta/shared';
import { dropPrivileges, ensureBayesDir, ensureDropFolders } from './dirs.ts';
import { FleetInbox } from './inbox.ts';
import { LearnOutbox } from './outbox.ts';
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
    // Fleet mode (NATS_URL + MTA_FLEET_KEY): what is learned here goes to MTA_LEARN, signed; what other trusted
    // nodes learned comes back.
    const identity = await joinFleet(config, env, log);
    const fleet = !!identity;
    const shared = {
      connection: () => bus.connection(),
      log,
      publish: (subject: string, payload: Record<string, unknown>) => bus.publish(subject, payload),
      maxMessageBytes: config.SPAMD_MAX_SIZE,
    };
    const outbox = identity
      ? new LearnOutbox({ ...shared, identity, dir: join(keep, 'outbox'), maxBytes: config.MTA_FLEET_OUTBOX_MB * 1024 * 1024 })
      : undefined;
    let inbox: FleetInbox | undefined;
    const queue = new LearnQueue({
      failedDir,
      refused,
      batchMs: config.SPAMD_BATCH_MS,
      batchMax: config.SPAMD_BATCH_MAX,
      target: { dbPath: paths.bayes, user, home: paths.amavisHome, log, signal: life.signal, maxSize: config.SPAMD_MAX_SIZE },
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
    if (identity && outbox) {
      inbox = new FleetInbox({
        ...shared,
        identity,
        dir: join(state, 'fleet'),
        add: (file, kind, mtimeMs) => queue.add(file, kind, mtimeMs),
      });
      await inbox.start();
      outbox.start();
      const fleetInbox = inbox;
      // `mta fleet status`: learn lag = files queued here + fleet messages not learned here yet.
      stopBeat = startHeartbeat(bus, identity, () => ({ sidecar: 'spamd-learn', learnPending: fleetInbox.lag(queue.size) }));
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
