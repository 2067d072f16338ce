#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  joinFleet,
  openLedger,
  ownPolicy,
  resolverOf,
  runSidecar,
  STS_BUCKET,
  seededPostfixVersion,
  tlsRptFrom,
  tlsRptOrg,
} from '@mta/shared';
import type { StsFleet } from './fleet-sync.ts';
import { leaveRoot } from './privileges.ts';
import { startPolicyEndpoint } from './publish.ts';
import { startOutbound } from './service.ts';
import { dnsSupportLevel, readSettings } from './settings.ts';

// MTA-STS: the TLS policy source postfix asks for every destination (outbound, RFC 8461), and the endpoint that
// serves our own policy (MTA_STS_PUBLISH) behind a proxy that terminates TLS.
await runSidecar({
  name: 'mta-sts',
  failEvent: 'mtasts.fatal',
  service: async ({ config, env, log, bus, paths }) => {
    const settings = await readSettings(paths.mtaStsConf);
    const outboundOn = !!(settings.socket && settings.map);
    // Fleet mode: the key is root's to read; everything after the policy endpoint runs as the sidecar's own user.
    const identity = outboundOn ? await joinFleet(config, env, log) : undefined;
    const tlsrpt = outboundOn && config.TLSRPT_REPORTS ? settings.tlsrpt : undefined;
    const closers: (() => Promise<void>)[] = [];
    const policy = ownPolicy(config);
    if (policy) {
      const { host, port } = config.MTA_STS_LISTEN;
      const domains = config.MAIL_DOMAIN ?? [];
      const server = await startPolicyEndpoint({ host, port, policy, domains });
      closers.push(() => new Promise<void>((r) => server.close(() => r())));
      log.info(
        { event: 'mtasts.publishing', mode: config.MTA_STS_PUBLISH, id: policy.id, domains },
        `serving our MTA-STS policy on ${host}:${port}`,
      );
    }
    // The policy endpoint is bound first (MTA_STS_LISTEN may name a port below 1024).
    const user = await leaveRoot([
      paths.mtaStsCache,
      ...(tlsrpt ? [paths.tlsRptState] : []),
      ...(identity ? [join(paths.fleetState, STS_BUCKET)] : []),
    ]);
    if (user) log.info({ event: 'mtasts.privileges', uid: user.uid }, 'running as mta-sts');
    if (settings.socket && settings.map) {
      if (tlsrpt) {
        // Loaded only with TLSRPT_REPORTS: without it, none of the report code is held.
        const { startTlsRpt } = await import('./tlsrpt/start.ts');
        const reports = await startTlsRpt({
          socket: tlsrpt,
          paths,
          reporter: { org: tlsRptOrg(config), email: tlsRptFrom(config), node: config.MTA_NODE },
          log,
          bus,
          identity,
        });
        closers.push(reports.close);
      }
      // The resolver postfix asks (its first nameserver), and whether postfix validates DNSSEC through it.
      const dns = resolverOf(await readFile(join(paths.root, 'etc/resolv.conf'), 'utf8').catch(() => '')) ?? {
        host: '127.0.0.1',
        port: 53,
      };
      const level = dnsSupportLevel(await readFile(join(paths.postfixConf, 'main.cf'), 'utf8').catch(() => ''));
      const link: { fleet?: StsFleet } = {};
      const outbound = await startOutbound({
        socket: settings.socket,
        map: settings.map,
        cacheDir: paths.mtaStsCache,
        dns,
        daneCheck: level === 'dnssec',
        postfixVersion: await seededPostfixVersion(paths),
        tlsrpt: !!tlsrpt,
        node: config.MTA_NODE,
        log,
        bus,
        onStored: (e) =>
          void link.fleet
            ?.share(e)
            .catch((err: Error) =>
              log.warn({ event: 'mtasts.fleet.share_failed', err: err.message }, 'a policy was not shared with the fleet'),
            ),
      });
      closers.push(outbound.close);
      // Fleet mode: the policy cache is shared through the bucket mta-sts.
      if (identity) {
        const ledger = await openLedger(paths.fleetState, STS_BUCKET, identity, log);
        // Loaded in fleet mode only: a single node never holds the fleet code.
        const { StsFleet } = await import('./fleet-sync.ts');
        link.fleet = new StsFleet({
          connection: () => bus.connection(),
          identity,
          ledger,
          cache: outbound.cache,
          resolver: outbound.resolver,
          log,
          publish: (s, p) => bus.publish(s, p),
        });
        link.fleet.start();
        const fleet = link.fleet;
        closers.unshift(() => fleet.close());
      }
    }
    return async () => {
      for (const c of closers) await c();
    };
  },
});
