#!/usr/bin/env node
import { joinFleet, readStartPlan, runSidecar, type SidecarContext, startHeartbeat } from '@mta/shared';
import { fingerprints } from './core.ts';
import { runDkimKeys, type ServiceOptions } from './service.ts';

// `--once`: entry step (seeding); without it the long-running service that also watches the key dir.
// Whether this start seeds is the start plan's (decided before the seed removed the unlock file) for the entry step;
// the service, and a run outside a container start (no plan), ask the seed's gate.
const start = async (ctx: SidecarContext, watch: boolean, fleet?: ServiceOptions['fleet']) => {
  const { paths } = ctx;
  return runDkimKeys({
    paths,
    config: ctx.config,
    log: ctx.log,
    publish: (s, p) => ctx.bus.publish(s, p),
    watch,
    seeding: watch ? undefined : (await readStartPlan(paths.startPlan))?.seeding,
    fleet,
  });
};

await runSidecar({
  name: 'dkim-keys',
  failEvent: 'dkim.failed',
  once: (ctx) => start(ctx, false),
  service: async (ctx) => {
    // Fleet mode only for the service: the `--once` entry step runs before NATS is up.
    const identity = await joinFleet(ctx.config, ctx.env, ctx.log);
    const publish = (s: string, p: Record<string, unknown>) => ctx.bus.publish(s, p);
    const svc = await start(ctx, true, identity ? { connection: () => ctx.bus.connection(), identity, publish } : undefined);
    // Fleet mode: tell `mta fleet status` which key each domain signs with on this node.
    const stopBeat = identity
      ? startHeartbeat(ctx.bus, identity, () => ({ sidecar: 'dkim-keys', dkim: fingerprints(svc.core.known) }))
      : undefined;
    return async () => {
      stopBeat?.();
      await svc.close();
    };
  },
});
