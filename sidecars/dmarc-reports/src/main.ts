#!/usr/bin/env node
import { Resolver } from 'node:dns/promises';
import { DMARC_BUCKET, dmarcReportFrom, dmarcReportOrg, joinFleet, openBucket, reportRefusal, runSidecar } from '@mta/shared';
import { ReportFleet } from './fleet.ts';
import { ReportService } from './service.ts';

// The DMARC aggregate report sidecar (DMARC_REPORTS=yes, full variant): collects OpenDMARC's history every minute
// and sends each domain's report of the previous UTC day through the local postfix.
await runSidecar({
  name: 'dmarc-reports',
  failEvent: 'dmarc.reports_fatal',
  service: async ({ config, env, paths, log, bus, life }) => {
    if (!config.DMARC_REPORTS) return void (await life.shutdown(0, 'DMARC_REPORTS=no'));
    const resolver = new Resolver({ timeout: 5_000, tries: 2 });
    // Fleet mode: the day's records of every node go into one report per domain, sent by one node. The bucket is
    // opened in the background (asked again at every pass until it is): collecting never waits for NATS.
    const identity = await joinFleet(config, env, log);
    let fleet: ReportFleet | undefined;
    let opening = false;
    const open = async () => {
      const nc = await bus.connection();
      if (!nc || !identity) return undefined;
      const refused = (entry: string, reason: string) =>
        reportRefusal(log, (s, p) => bus.publish(s, p), { source: DMARC_BUCKET, entry, reason });
      return new ReportFleet(await openBucket(nc, DMARC_BUCKET), identity, log, refused);
    };
    const fleetNow = () => {
      if (!fleet && !opening) {
        opening = true;
        void open()
          .then(
            (f) => void (fleet = f),
            (e: Error) => log.warn({ event: 'dmarc.fleet_unavailable', err: e.message }, 'the DMARC bucket cannot be opened yet'),
          )
          .finally(() => void (opening = false));
      }
      return fleet;
    };
    const service = await ReportService.start({
      paths,
      log,
      bus,
      reporter: { org: dmarcReportOrg(config), email: dmarcReportFrom(config), node: config.MTA_NODE },
      ...(identity ? { fleet: fleetNow } : {}),
      node: config.MTA_NODE,
      txt: async (name) =>
        (
          await resolver.resolveTxt(name).catch((e: NodeJS.ErrnoException) => {
            if (e.code === 'ENODATA' || e.code === 'ENOTFOUND') return [] as string[][];
            throw e;
          })
        ).map((chunks) => chunks.join('')),
    });
    return () => service.close();
  },
});
