#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import {
  detectVariant,
  FreshHeartbeats,
  fleetPeersVisible,
  fleetSigners,
  followMailLogs,
  followSidecarLogs,
  HEARTBEAT_SUBJECT,
  type LoggedDaemon,
  runSidecar,
} from '@mta/shared';
import { countSidecarEvent, heardFrom, type Peers } from './bus-events.ts';
import type { DkimKey } from './dkim.ts';
import { createFamilies } from './families.ts';
import { readiness } from './health.ts';
import { cacheFor } from './scrape-cache.ts';
import { startServer } from './server.ts';
import { countLogEvent } from './traffic.ts';

// The version of this build (package.json beside the bundle in the image).
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

await runSidecar({
  name: 'metrics',
  failEvent: 'metrics.fatal',
  service: async ({ config, env, log, bus, life, paths }) => {
    const cleanups: (() => unknown)[] = [];
    const variant = detectVariant(paths.root);
    const families = createFamilies();
    const peers: Peers = new Map();
    const keys = { current: [] as DkimKey[] };
    const daemons: LoggedDaemon[] =
      variant === 'mini' ? ['postfix'] : variant === 'base' ? ['postfix', 'dovecot'] : ['postfix', 'dovecot', 'amavis'];
    const follower = followMailLogs({
      logDir: paths.logDir,
      daemons,
      signal: life.signal,
      onEvent: (e) => countLogEvent(families, e),
      onError: (err) => log.warn({ event: 'metrics.follow', err: err.message }, 'reading the daemon logs failed; retrying'),
    });
    cleanups.push(() => follower.close());
    const sidecars = followSidecarLogs({
      logDir: paths.logDir,
      sidecars:
        variant === 'mini'
          ? ['guard', 'mta-sts']
          : variant === 'base'
            ? ['guard', 'acme-watch', 'sender-milter', 'mta-sts']
            : ['guard', 'acme-watch', 'spamd-learn', 'sender-milter', 'dmarc-reports', 'arc-milter', 'mta-sts'],
      signal: life.signal,
      onEvent: (e) => countSidecarEvent(families, e),
    });
    cleanups.push(() => sidecars.close());
    // Only a fleet has peers: outside one, the bus (and its client's memory) is never touched.
    if (fleetPeersVisible(env, config)) {
      const watch = { peers, signers: await fleetSigners(config), fresh: new FreshHeartbeats(), self: config.MTA_NODE };
      cleanups.push(bus.subscribe(HEARTBEAT_SUBJECT, (data) => heardFrom(watch, data, Date.now())));
    }
    if (variant === 'full') {
      // DNS is asked every 10 minutes, not per scrape: a Prometheus must never make the server query DNS.
      const dns = () => void import('./dkim.ts').then((d) => d.checkPublished(families, keys.current)).catch(() => undefined);
      const first = setTimeout(dns, 5000);
      const every = setInterval(dns, 600_000);
      every.unref();
      cleanups.push(() => {
        clearTimeout(first);
        clearInterval(every);
      });
    }
    const { host, port } = config.METRICS_LISTEN;
    // The scrape-time collectors load on the first scrape: an idle sidecar only counts log lines.
    const collector = () => import('./collect.ts');
    const state = { families, paths, variant, version: VERSION, domains: config.MAIL_DOMAIN ?? [], peers, keys };
    const read = cacheFor(async () => (await collector()).readState(state), config.METRICS_SCRAPE_CACHE * 1000);
    const server = await startServer({
      host,
      port,
      metrics: async (om) => {
        await read();
        return (await collector()).exposition(state, om);
      },
      ready: readiness('/usr/local/bin/healthcheck'),
    });
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    await follower.ready;
    log.info({ event: 'metrics.ready', listen: `${host}:${port}`, daemons }, `serving /metrics, /healthz, /readyz on ${host}:${port}`);
    return async () => {
      for (const c of cleanups.reverse()) await c();
    };
  },
});
