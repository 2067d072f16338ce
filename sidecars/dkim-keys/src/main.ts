#!/usr/bin/env node
import { joinFleet, MtaError, mtaPaths, type SidecarContext, startHeartbeat, startSidecar } from '@mta/shared';
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
  // Fleet mode only for the service: the `--once` entry step runs before NATS is up.
  const identity = once ? undefined : await joinFleet(ctx.config, ctx.env, ctx.log);
  const publish = (s: string, p: Record<string, unknown>) => ctx.bus.publish(s, p);
  const svc = await runDkimKeys({
    paths: mtaPaths(),
    config: ctx.config,
    log: ctx.log,
    publish,
    watch: !once,
    seeding: process.env.MTA_SEEDING === undefined ? undefined : process.env.MTA_SEEDING === '1',
    fleet: identity ? { connection: () => ctx.bus.connection(), identity, publish } : undefined,
  });
  ctx.life.onShutdown(svc.close);
  // Fleet mode: tell `mta fleet status` which key each domain signs with on this node.
  if (identity) ctx.life.onShutdown(startHeartbeat(ctx.bus, () => ({ sidecar: 'dkim-keys', dkim: fingerprints(svc.core.known) })));
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
