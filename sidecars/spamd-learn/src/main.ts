#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { joinFleet, lookupUser, MtaError, mtaPaths, startHeartbeat, startSidecar } from '@mta/shared';
import { ensureBayesDir, ensureDropFolders } from './dirs.ts';
import { FleetInbox } from './inbox.ts';
import { LearnOutbox } from './outbox.ts';
import { LearnQueue } from './service.ts';
import { watchDropFolders } from './watch.ts';

// How long a file's size must stay unchanged before it counts as written (kopano writes over a shared volume).

const { config, env, log, bus, life } = startSidecar('spamd-learn');
try {
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
    ? new LearnOutbox({
        ...shared,
        identity,
        dir: join(paths.srvVar, 'spamd-learn', 'outbox'),
        maxBytes: config.MTA_FLEET_OUTBOX_MB * 1024 * 1024,
      })
    : undefined;
  let inbox: FleetInbox | undefined;
  const queue = new LearnQueue({
    lib,
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
  if (identity && outbox) {
    inbox = new FleetInbox({
      ...shared,
      identity,
      dir: join(paths.run, 'spamd-learn', 'fleet'),
      add: (file, kind, mtimeMs) => queue.add(file, kind, mtimeMs),
    });
    await inbox.start();
    outbox.start();
    const fleetInbox = inbox;
    life.onShutdown(() => fleetInbox.close());
    life.onShutdown(() => outbox.close());
    // `mta fleet status`: learn lag = files queued here + fleet messages not learned here yet.
    life.onShutdown(startHeartbeat(bus, () => ({ sidecar: 'spamd-learn', learnPending: fleetInbox.lag(queue.size) })));
  }
  const watcher = watchDropFolders(lib, {
    stabilityMs: config.SPAMD_STABLE_MS,
    onFile: (path, kind, mtimeMs) => queue.add(path, kind, mtimeMs),
    onGone: (path) => queue.remove(path),
    onError: (err) => log.warn({ event: 'spamd.watch', err }, 'watcher error'),
  });
  watcher.on('ready', () => log.info({ event: 'spamd.ready', lib, bayes: paths.bayes, user: user.name }, 'watching spam/ and ham/'));
  life.onShutdown(() => queue.stop());
  life.onShutdown(() => watcher.close());
} catch (e) {
  const err = MtaError.from(e);
  log.fatal({ event: 'spamd.fatal', code: err.code, err: err.message }, 'spamd-learn cannot start');
  await life.shutdown(1, 'fatal');
}
