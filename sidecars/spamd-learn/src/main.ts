#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MtaError, mtaPaths, startSidecar } from '@mta/shared';
import { ensureBayesDir, ensureDropFolders } from './dirs.ts';
import { LearnQueue } from './service.ts';
import { lookupUser } from './user.ts';
import { watchDropFolders } from './watch.ts';

// How long a file's size must stay unchanged before it counts as written (kopano writes over a shared volume).
const STABILITY_MS = 2000;

const { config, log, bus, life } = startSidecar('spamd-learn');
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
  const queue = new LearnQueue({
    lib,
    batchMs: config.SPAMD_BATCH_MS,
    batchMax: config.SPAMD_BATCH_MAX,
    target: { dbPath: paths.bayes, user, home: paths.amavisHome, log, signal: life.signal },
    stagingRoot,
    log,
    bus,
    signal: life.signal,
  });
  const watcher = watchDropFolders(lib, {
    stabilityMs: STABILITY_MS,
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
