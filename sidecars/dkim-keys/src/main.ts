#!/usr/bin/env node
import { fleetEnabled, MtaError, mtaPaths, type SidecarContext, startHeartbeat, startSidecar } from '@mta/shared';
import { fingerprints } from './core.ts';
import { runDkimKeys } from './service.ts';

// `--once`: entry step (seeding); without it the long-running service that also watches the key dir.
const once = process.argv.includes('--once');

let ctx: SidecarContext;
try {
  ctx = startSidecar('dkim-keys');
} catch {
  // startSidecar already logged every configuration error.
  process.exit(1);
}
try {
  const svc = await runDkimKeys({
    paths: mtaPaths(),
    config: ctx.config,
    log: ctx.log,
    publish: (s, p) => ctx.bus.publish(s, p),
    watch: !once,
    seeding: process.env.MTA_SEEDING === undefined ? undefined : process.env.MTA_SEEDING === '1',
    // Fleet mode only for the service: the `--once` entry step runs before NATS is up.
    fleet: !once && fleetEnabled(ctx.env) ? { connection: () => ctx.bus.connection() } : undefined,
  });
  ctx.life.onShutdown(svc.close);
  // Fleet mode: tell `mta fleet status` which key each domain signs with on this node.
  if (!once && fleetEnabled(ctx.env))
    ctx.life.onShutdown(startHeartbeat(ctx.bus, () => ({ sidecar: 'dkim-keys', dkim: fingerprints(svc.core.known) })));
  if (once) {
    // Give the bus a moment to flush the key events; NATS being down must not hold up the start.
    await Promise.race([ctx.bus.connection(), new Promise((r) => setTimeout(r, 1000))]);
    await ctx.life.shutdown(0, 'done');
  }
} catch (e) {
  const err = MtaError.from(e);
  ctx.log.fatal({ event: 'dkim.failed', code: err.code, err: err.message }, err.message);
  await ctx.life.shutdown(1, 'failed');
}
