#!/usr/bin/env node
import { fleetEnabled, mtaPaths, runSidecar, type SidecarContext, startHeartbeat } from '@mta/shared';
import { fingerprints } from './core.ts';
import { runDkimKeys } from './service.ts';

// `--once`: entry step (seeding); without it the long-running service that also watches the key dir.
const start = (ctx: SidecarContext, watch: boolean) =>
  runDkimKeys({
    paths: mtaPaths(),
    config: ctx.config,
    log: ctx.log,
    publish: (s, p) => ctx.bus.publish(s, p),
    watch,
    seeding: process.env.MTA_SEEDING === undefined ? undefined : process.env.MTA_SEEDING === '1',
    // Fleet mode only for the service: the `--once` entry step runs before NATS is up.
    fleet: watch && fleetEnabled(ctx.env) ? { connection: () => ctx.bus.connection() } : undefined,
  });

await runSidecar({
  name: 'dkim-keys',
  failEvent: 'dkim.failed',
  once: async (ctx) => {
    await start(ctx, false);
    return 0;
  },
  service: async (ctx) => {
    const svc = await start(ctx, true);
    // Fleet mode: tell `mta fleet status` which key each domain signs with on this node.
    const stopBeat = fleetEnabled(ctx.env)
      ? startHeartbeat(ctx.bus, () => ({ sidecar: 'dkim-keys', dkim: fingerprints(svc.core.known) }))
      : undefined;
    return async () => {
      stopBeat?.();
      await svc.close();
    };
  },
});
