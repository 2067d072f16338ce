#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { detectVariant, fleetEnabled, followMailLogs, followSidecarLogs, type LoggedDaemon, mtaPaths, runSidecar } from '@mta/shared';
import { countSidecarEvent, heardFrom, type Peers } from './bus-events.ts';
import type { DkimKey } from './dkim.ts';
import { createFamilies } from './families.ts';
import { readiness } from './health.ts';
import { startServer } from './server.ts';
import { countLogEvent } from './traffic.ts';

// The version of this build (package.json beside the bundle in the image).
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

await runSidecar({
  name: 'metrics',
  failEvent: 'metrics.fatal',
  service: async ({ config, env, log, bus, life }) => {
    const cleanups: (() => unknown)[] = [];
    const paths = mtaPaths();
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
      sidecars: variant === 'mini' ? ['guard'] : variant === 'base' ? ['guard', 'acme-watch'] : ['guard', 'acme-watch', 'spamd-learn'],
      signal: life.signal,
      onEvent: (e) => countSidecarEvent(families, e),
    });
    cleanups.push(() => sidecars.close());
    // Only a fleet has peers: outside one, the bus (and its client's memory) is never touched.
    if (fleetEnabled(env)) cleanups.push(bus.subscribe('mta.>', (data) => heardFrom(peers, config.MTA_NODE, data, Date.now())));
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
    const server = await startServer({
      host,
      port,
      // The scrape-time collectors load on the first scrape: an idle sidecar only counts log lines.
      metrics: async (om) =>
        (await import('./collect.ts')).collect(
          { families, paths, variant, version: VERSION, domains: config.MAIL_DOMAIN ?? [], peers, keys },
          om,
        ),
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
