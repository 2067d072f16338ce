#!/usr/bin/env node
import { watch } from 'node:fs';
import { detectVariant, followMailLogs, GUARD_BUCKET, joinFleet, mtaPaths, openLedger, runSidecar, type SidecarContext } from '@mta/shared';
import { GuardFleet } from './fleet-sync.ts';
import { applyMaps } from './maps.ts';
import { readMynetworks } from './mynetworks.ts';
import { protectedNetworks } from './protect.ts';
import { GuardService } from './service.ts';
import { BanStore } from './store.ts';

// `mta-guard --once` (entry step): drop expired bans and render the maps before the daemons start (GUARD=no: empty
// maps). Without a flag (runit service): follow the daemons' logs, ban, expire, share with the fleet.
// One start for both: the ban store, GUARD=no, and the maps rendered from the bans in force.
async function prepare({ config, log, bus }: SidecarContext, service: boolean) {
  const paths = mtaPaths();
  const dovecot = detectVariant(paths.root) !== 'mini';
  const store = new BanStore(paths.guardState);
  await store.ensure();
  if (!config.GUARD) {
    await applyMaps(paths, [], { dovecot });
    log.info({ event: 'guard.off' }, 'GUARD=no: no bans in force');
    return undefined;
  }
  const protect = protectedNetworks({
    // The variable, and what postfix was seeded with (they differ until the next seeding).
    mynetworks: [...config.MYNETWORKS, ...(await readMynetworks(paths.postfixConf))],
    proxies: config.TRUSTED_PROXIES ?? [],
    ignore: config.GUARD_IGNORE ?? [],
  });
  const link: { fleet?: GuardFleet } = {};
  const guard = new GuardService({
    paths,
    store,
    policy: { authFailures: config.GUARD_AUTH_FAILURES, rejects: config.GUARD_REJECTS, windowMs: config.GUARD_WINDOW * 1000 },
    banMs: config.GUARD_BAN_TIME * 1000,
    protect,
    node: config.MTA_NODE,
    dovecot,
    log,
    bus: service ? bus : undefined,
    onChange: (added, lifted) => link.fleet?.changed(added, lifted),
  });
  await guard.sync();
  return { paths, dovecot, store, protect, guard, link };
}

await runSidecar({
  name: 'guard',
  failEvent: 'guard.fatal',
  once: (ctx) => prepare(ctx, false),
  service: async (ctx) => {
    const { config, env, log, bus, life } = ctx;
    const ready = await prepare(ctx, true);
    if (!ready) return void (await life.shutdown(0, 'guard off'));
    const { paths, dovecot, store, protect, guard, link } = ready;
    // Bans written by `mta guard ban|unban` (or by hand) are picked up at once.
    // Persistent: this watcher is what keeps the service's event loop alive between log lines.
    const dirWatch = watch(store.dir, { persistent: true }, () => void guard.sync());
    const follower = followMailLogs({
      logDir: paths.logDir,
      daemons: dovecot ? ['postfix', 'dovecot'] : ['postfix'],
      signal: life.signal,
      onEvent: (e) =>
        void guard.onEvent(e).catch((err: Error) => log.error({ event: 'guard.ban_failed', err: err.message }, 'could not write a ban')),
      onError: (err) => log.warn({ event: 'guard.follow', err: err.message }, 'reading the daemon logs failed; retrying'),
    });
    const prune = setInterval(() => guard.prune(), 60_000);
    prune.unref();
    const identity = await joinFleet(config, env, log);
    if (identity) {
      const ledger = await openLedger(paths.fleetState, GUARD_BUCKET, identity, log);
      link.fleet = new GuardFleet({
        connection: () => bus.connection(),
        identity,
        ledger,
        guard,
        log,
        publish: (s, p) => bus.publish(s, p),
      });
      link.fleet.start();
    }
    await follower.ready;
    log.info(
      { event: 'guard.ready', bans: guard.list().length, protected: protect.networks.length, fleet: !!link.fleet },
      `watching ${dovecot ? 'postfix and dovecot' : 'postfix'} for failed logins and refusals`,
    );
    return async () => {
      await link.fleet?.close();
      clearInterval(prune);
      await follower.close();
      dirWatch.close();
      await guard.close();
    };
  },
});
