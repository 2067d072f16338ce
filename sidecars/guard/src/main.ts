#!/usr/bin/env node
import { watch } from 'node:fs';
import { detectVariant, followMailLogs, GUARD_BUCKET, joinFleet, openLedger, runSidecar, type SidecarContext } from '@mta/shared';
import { publishDmarc } from './dmarc-events.ts';
import { GuardFleet } from './fleet-sync.ts';
import { guardProtection } from './mynetworks.ts';
import { GuardService } from './service.ts';
import { BanStore } from './store.ts';
import { BanTables, retireLegacyMaps } from './tables/index.ts';
import { publishOutboundTls } from './tls-events.ts';

// Everything is read again this often, in case the directory watcher missed a change (it cannot say so).
const RECONCILE_MS = 3_600_000;

// `mta-guard --once` (entry step): drop expired bans and build the tables before the daemons start (GUARD=no: empty
// tables). Without a flag (runit service): follow the daemons' logs, ban, expire, share with the fleet.
// One start for both: the ban store, GUARD=no, and the tables built from the bans in force.
async function prepare({ config, log, bus, paths }: SidecarContext, service: boolean) {
  const dovecot = detectVariant(paths.root) !== 'mini';
  const store = new BanStore(paths.guardState);
  await store.ensure();
  if (await retireLegacyMaps(paths))
    log.warn(
      { event: 'guard.legacy_config' },
      'postfix or dovecot still names the ban maps of an earlier version: bans apply only after seeding again (FORCE_CONFIG=OVERWRITE)',
    );
  if (!config.GUARD) {
    await new BanTables(paths, dovecot).rebuild([]);
    log.info({ event: 'guard.off' }, 'GUARD=no: no bans in force');
    return undefined;
  }
  const protect = await guardProtection(config, paths.postfixConf);
  const link: { fleet?: GuardFleet } = {};
  const guard = new GuardService({
    paths,
    store,
    policy: { authFailures: config.GUARD_AUTH_FAILURES, rejects: config.GUARD_REJECTS, windowMs: config.GUARD_WINDOW * 1000 },
    caps: { perMinute: config.GUARD_MAX_BANS_PER_MINUTE, total: config.GUARD_MAX_BANS },
    banMs: config.GUARD_BAN_TIME * 1000,
    protect,
    node: config.MTA_NODE,
    dovecot,
    log,
    bus: service ? bus : undefined,
    onChange: (added, lifted) => link.fleet?.changed(added, lifted),
  });
  await guard.start({ lazy: service });
  return { paths, dovecot, store, protect, guard, link };
}

await runSidecar({
  name: 'guard',
  failEvent: 'guard.fatal',
  once: async (ctx) => {
    await (await prepare(ctx, false))?.guard.close();
  },
  service: async (ctx) => {
    const { config, env, log, bus, life } = ctx;
    const ready = await prepare(ctx, true);
    if (!ready) return void (await life.shutdown(0, 'guard off'));
    const { paths, dovecot, store, protect, guard, link } = ready;
    const failed = (err: Error) => log.error({ event: 'guard.ban_failed', err: err.message }, 'could not write a ban');
    // Bans written by `mta guard ban|unban` (or by hand) are picked up at once, one file at a time.
    // Persistent: this watcher is what keeps the service's event loop alive between log lines.
    const dirWatch = watch(store.dir, { persistent: true }, (_, name) => void guard.fileChanged(name).catch(failed));
    const follower = followMailLogs({
      logDir: paths.logDir,
      daemons: dovecot ? ['postfix', 'dovecot'] : ['postfix'],
      signal: life.signal,
      // DMARC verdicts, outbound TLS sessions and TLS policy deferrals only go on the bus: they name no client to ban.
      onEvent: (e) => {
        if (e.kind === 'dmarc') return publishDmarc(bus, e);
        publishOutboundTls(bus, e);
        void guard.onEvent(e).catch(failed);
      },
      onError: (err) => log.warn({ event: 'guard.follow', err: err.message }, 'reading the daemon logs failed; retrying'),
    });
    const prune = setInterval(() => guard.prune(), 60_000);
    prune.unref();
    const reconcile = setInterval(() => void guard.fileChanged(undefined).catch(failed), RECONCILE_MS);
    reconcile.unref();
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
      clearInterval(reconcile);
      await follower.close();
      dirWatch.close();
      await guard.close();
    };
  },
});
