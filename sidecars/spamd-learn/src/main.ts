#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { becomeUser, ensureDir, joinFleet, lookupUser, RefusedPaths, runSidecar, startHeartbeat } from '@mta/shared';
import { adoptFromAmavis } from './adopt.ts';
import { ensureBayesDir, learnGroup, READER_USER } from './dirs.ts';
import { closeDropFolders, openDropFolders, watchLib } from './drop-folders.ts';
import type { FleetInbox } from './inbox.ts';
import { dropItem } from './item.ts';
import type { LearnOutbox } from './outbox.ts';
import { SaRunner } from './runner.ts';
import { LearnQueue } from './service.ts';
import { clearStaging } from './stage.ts';
import { FolderWatch } from './watch.ts';

await runSidecar({
  name: 'spamd-learn',
  failEvent: 'spamd.fatal',
  service: async ({ config, env, log, bus, life, paths }) => {
    const lib = config.KOPANO_SPAMD_LIB;
    if (!existsSync(lib)) {
      log.info({ event: 'spamd.absent', lib }, 'KOPANO_SPAMD_LIB does not exist; nothing to learn');
      await life.shutdown(0, 'no spamd lib');
    }
    const amavis = await lookupUser('amavis');
    const reader = await lookupUser(READER_USER);
    const group = learnGroup(config.KOPANO_SPAMD_GID, reader);
    const refused = new RefusedPaths(log, 'spamd-learn');
    const state = join(paths.run, 'spamd-learn');
    // Batch copies for sa-learn: the reader's, group amavis (setgid), so the runner (amavis) can read them.
    const stagingRoot = join(state, 'sidecar');
    const keep = join(paths.srvVar, 'spamd-learn');
    // Root only for this: the reader's dirs, the Bayes dir, the drop folders' group, the amavis runner; then the
    // reader for good. It is neither amavis nor in its group: the DKIM private keys are out of its reach.
    if (process.getuid?.() === 0) {
      for (const d of [state, stagingRoot]) await ensureDir(d, { mode: 0o2750, uid: reader.uid, gid: amavis.gid });
      await ensureDir(keep, { mode: 0o750, uid: reader.uid, gid: reader.gid });
      await adoptFromAmavis(keep, amavis.uid, reader);
      await ensureBayesDir(paths.bayes, amavis);
    }
    const drop = await openDropFolders(lib, group, refused, log);
    const runner = SaRunner.start({ user: amavis, stagingRoot, dbPath: paths.bayes, home: paths.amavisHome, log, signal: life.signal });
    // The reader for good before any drop-folder file is read: its uid and gid plus the learn group, no other group.
    if (becomeUser(reader, [group], { exactGroups: true }))
      log.info({ event: 'spamd.privileges', uid: reader.uid, gids: process.getgroups?.() }, `running as ${reader.name}`);
    runner.exited.then((how) => {
      if (life.signal.aborted) return;
      log.error({ event: 'spamd.runner', exit: how }, 'the sa-learn runner stopped; restarting');
      void life.shutdown(1, 'sa-learn runner gone');
    });
    // Copies left by a killed run are stale: their originals are still in the drop folders and will be learned again.
    await clearStaging(stagingRoot, log);
    const failedDir = join(keep, 'failed');
    await mkdir(failedDir, { recursive: true, mode: 0o750 });
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
    // The fleet's code is loaded in fleet mode only: an idle sidecar outside a fleet never holds it.
    let outbox: LearnOutbox | undefined;
    if (identity) {
      const { LearnOutbox } = await import('./outbox.ts');
      outbox = new LearnOutbox({ ...shared, identity, dir: join(keep, 'outbox'), maxBytes: config.MTA_FLEET_OUTBOX_MB * 1024 * 1024 });
    }
    let inbox: FleetInbox | undefined;
    const queue = new LearnQueue({
      failedDir,
      refused,
      batchMs: config.SPAMD_BATCH_MS,
      batchMax: config.SPAMD_BATCH_MAX,
      runner,
      stagingRoot,
      maxSize: config.SPAMD_MAX_SIZE,
      log,
      bus,
      signal: life.signal,
      onLearned: fleet
        ? async (kind, part) => {
            inbox?.learned(part.map((s) => s.source));
            await outbox?.put(
              kind,
              part.filter((s) => !inbox?.owns(s.source)).map((s) => s.file),
            );
          }
        : undefined,
      onFailed: fleet ? async (item, reason) => (await inbox?.failed(item, reason)) ?? false : undefined,
    });
    let stopBeat: (() => void) | undefined;
    if (identity && outbox) {
      const { FleetInbox } = await import('./inbox.ts');
      inbox = new FleetInbox({ ...shared, identity, dir: join(state, 'fleet'), add: (item, mtimeMs) => queue.add(item, mtimeMs) });
      await inbox.start();
      outbox.start();
      const fleetInbox = inbox;
      // `mta fleet status`: learn lag = files queued here + fleet messages not learned here yet.
      stopBeat = startHeartbeat(bus, identity, () => ({ sidecar: 'spamd-learn', learnPending: fleetInbox.lag(queue.size) }));
    }
    const onError = (err: unknown) => log.warn({ event: 'spamd.watch', err }, 'watcher error');
    const watches = [...drop.dirs].map(
      ([kind, dir]) =>
        new FolderWatch(dir, {
          stabilityMs: config.SPAMD_STABLE_MS,
          onFile: (name, mtimeMs) => queue.add(dropItem(dir, kind, name), mtimeMs),
          onGone: (name) => queue.remove(`${kind}/${name}`),
          onError,
        }),
    );
    for (const w of watches) await w.start();
    await watchLib(
      drop,
      refused,
      (kind) => {
        log.warn({ event: 'spamd.replaced', kind }, `${kind}/ was replaced by another directory; restarting to prepare it`);
        void life.shutdown(0, 'drop folder replaced');
      },
      onError,
    ).catch((err) =>
      log.info({ event: 'spamd.watch', err }, 'cannot watch KOPANO_SPAMD_LIB; a replaced folder is taken up at the next start'),
    );
    log.info({ event: 'spamd.ready', lib, bayes: paths.bayes, user: reader.name, group }, 'watching spam/ and ham/');
    return async () => {
      for (const w of watches) await w.close();
      await queue.stop();
      stopBeat?.();
      await outbox?.close();
      await inbox?.close();
      await closeDropFolders(drop);
      runner.close();
    };
  },
});
