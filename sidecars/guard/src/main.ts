#!/usr/bin/env node
import { watch } from 'node:fs';
import { detectVariant, followMailLogs, joinFleet, MtaError, mtaPaths, startSidecar } from '@mta/shared';
import { GuardFleet } from './fleet-sync.ts';
import { applyMaps } from './maps.ts';
import { readMynetworks } from './mynetworks.ts';
import { protectedNetworks } from './protect.ts';
import { GuardService } from './service.ts';
import { BanStore } from './store.ts';

// `mta-guard --once` (entry step): drop expired bans and render the maps before the daemons start (GUARD=no: empty
// maps). Without a flag (runit service): follow the daemons' logs, ban, expire, share with the fleet.
const once = process.argv.includes('--once');
const { config, env, log, bus, life } = startSidecar('guard');
try {
  const paths = mtaPaths();
  const dovecot = detectVariant(paths.root) !== 'mini';
  const store = new BanStore(paths.guardState);
  await store.ensure();
  if (!config.GUARD) {
    await applyMaps(paths, [], { dovecot });
    log.info({ event: 'guard.off' }, 'GUARD=no: no bans in force');
    await life.shutdown(0, 'guard off');
  }
  const protect = protectedNetworks({
    // The variable, and what postfix was seeded with (they differ until the next seeding).
    mynetworks: [...config.MYNETWORKS, ...(await readMynetworks(paths.postfixConf))],
    proxies: config.TRUSTED_PROXIES ?? [],
    ignore: config.GUARD_IGNORE ?? [],
  });
  const node = config.MTA_NODE;
  let fleet: GuardFleet | undefined;
  const guard = new GuardService({
    paths,
    store,
    policy: { authFailures: config.GUARD_AUTH_FAILURES, rejects: config.GUARD_REJECTS, windowMs: config.GUARD_WINDOW * 1000 },
    banMs: config.GUARD_BAN_TIME * 1000,
    protect,
    node,
    dovecot,
    log,
    bus: once ? undefined : bus,
    onChange: (added, lifted) => fleet?.changed(added, lifted),
  });
  await guard.sync();
  if (once) await life.shutdown(0, 'once');
  life.onShutdown(() => guard.close());
  // Bans written by `mta guard ban|unban` (or by hand) are picked up at once.
  // Persistent: this watcher is what keeps the service's event loop alive between log lines.
  const dirWatch = watch(store.dir, { persistent: true }, () => void guard.sync());
  life.onShutdown(() => dirWatch.close());
  const follower = followMailLogs({
    logDir: paths.logDir,
    daemons: dovecot ? ['postfix', 'dovecot'] : ['postfix'],
    signal: life.signal,
    onEvent: (e) =>
      void guard.onEvent(e).catch((err: Error) => log.error({ event: 'guard.ban_failed', err: err.message }, 'could not write a ban')),
    onError: (err) => log.warn({ event: 'guard.follow', err: err.message }, 'reading the daemon logs failed; retrying'),
  });
  life.onShutdown(() => follower.close());
  const prune = setInterval(() => guard.prune(), 60_000);
  prune.unref();
  life.onShutdown(() => clearInterval(prune));
  const identity = once ? undefined : await joinFleet(config, env, log);
  if (identity) {
    fleet = new GuardFleet({ connection: () => bus.connection(), identity, guard, log, publish: (s, p) => bus.publish(s, p) });
    fleet.start();
    const f = fleet;
    life.onShutdown(() => f.close());
  }
  await follower.ready;
  log.info(
    { event: 'guard.ready', bans: guard.list().length, protected: protect.networks.length, fleet: !!fleet },
    `watching ${dovecot ? 'postfix and dovecot' : 'postfix'} for failed logins and refusals`,
  );
} catch (e) {
  const err = MtaError.from(e);
  log.fatal({ event: 'guard.fatal', code: err.code, err: err.message }, 'guard cannot start');
  await life.shutdown(1, 'fatal');
}
