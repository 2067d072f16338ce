import { Resolver } from 'node:dns/promises';
import {
  type Bus,
  DayFleet,
  DMARC_BUCKET,
  type FleetIdentity,
  type Logger,
  type MtaPaths,
  openBucket,
  reportRefusal,
  submitMail,
} from '@mta/shared';
import { postReport } from './https.ts';
import { type Relay, startRelay } from './relay.ts';
import type { Reporter } from './report.ts';
import { TlsRptService } from './service.ts';

export interface TlsRptStart {
  socket: string;
  paths: MtaPaths;
  reporter: Reporter;
  log: Logger;
  bus: Bus;
  identity?: FleetIdentity;
}

// TLSRPT_REPORTS: the receiver of postfix's datagrams and the report service; in fleet mode the shared counts live
// in the daily-report bucket (mta-dmarc, keys tlsrpt.*: no new bucket to create or permit), opened in the
// background and asked again at every pass until it is (collecting never waits for NATS).
export async function startTlsRpt(o: TlsRptStart): Promise<{ close: () => Promise<void> }> {
  const { log, bus, identity } = o;
  const resolver = new Resolver({ timeout: 5_000, tries: 2 });
  let fleet: DayFleet | undefined;
  let opening = false;
  const fleetNow = () => {
    if (!fleet && !opening && identity) {
      opening = true;
      void (async () => {
        const nc = await bus.connection();
        if (!nc) return;
        fleet = new DayFleet({
          kv: await openBucket(nc, DMARC_BUCKET),
          id: identity,
          bucket: DMARC_BUCKET,
          prefix: 'tlsrpt.',
          what: 'TLS-RPT',
          events: 'tlsrpt',
          log,
          onRefused: (entry, reason) => reportRefusal(log, (s, p) => bus.publish(s, p), { source: DMARC_BUCKET, entry, reason }),
        });
      })()
        .catch((e: Error) => log.warn({ event: 'tlsrpt.fleet_unavailable', err: e.message }, 'the report bucket cannot be opened yet'))
        .finally(() => void (opening = false));
    }
    return fleet;
  };
  const service = new TlsRptService({
    stateDir: o.paths.tlsRptState,
    reporter: o.reporter,
    log,
    bus,
    node: o.reporter.node,
    ...(identity ? { fleet: fleetNow } : {}),
    txt: async (name) =>
      (
        await resolver.resolveTxt(name).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'ENODATA' || e.code === 'ENOTFOUND') return [] as string[][];
          throw e;
        })
      ).map((chunks) => chunks.join('')),
    submit: (raw, from, to) => submitMail(raw, from, to, o.paths.postfixConf),
    post: (url, gz) => postReport(url, gz),
  });
  await service.start();
  const relay: Relay = startRelay(o.socket, (d) => service.take(d), log);
  void relay.ready.then(() => log.info({ event: 'tlsrpt.ready', socket: o.socket }, 'collecting outbound TLS sessions for TLS reports'));
  return {
    close: async () => {
      await relay.close();
      await service.close();
    },
  };
}
