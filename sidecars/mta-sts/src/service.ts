import { type Bus, type DnsServerAddress, type Logger, versionAtLeast } from '@mta/shared';
import { socketmapReply } from './answer.ts';
import { PolicyCache, type PolicyEntry } from './cache.ts';
import { stsDns } from './dns.ts';
import { type FetchOptions, fetchPolicy } from './fetch.ts';
import { stsReport } from './report.ts';
import { StsResolver } from './resolve.ts';
import { startSocketmap } from './socketmap.ts';

export interface OutboundOptions {
  socket: string;
  map: string;
  cacheDir: string;
  dns: DnsServerAddress;
  // Postfix's own DNSSEC is on (smtp_dns_support_level=dnssec): it trusts this resolver's AD bit, so may we.
  daneCheck: boolean;
  postfixVersion: string | undefined;
  node: string;
  log: Logger;
  bus?: Bus;
  fetch?: FetchOptions;
  minRecheckMs?: number;
  // How often the cache is looked over for policies due to be refreshed.
  refreshEveryMs?: number;
  // TLSRPT_REPORTS: answers carry the policy text for libtlsrpt.
  tlsrpt?: boolean;
  // A policy this node fetched (fleet mode shares it).
  onStored?: (e: PolicyEntry) => void;
}

export interface Outbound {
  resolver: StsResolver;
  cache: PolicyCache;
  close: () => Promise<void>;
}

// Outbound MTA-STS: the policy cache from /srv, the resolver, postfix's socketmap, and the proactive refresh.
export async function startOutbound(o: OutboundOptions): Promise<Outbound> {
  const cache = new PolicyCache(o.cacheDir);
  const kept = await cache.load(Date.now());
  const resolver = new StsResolver({
    dns: stsDns(o.dns),
    fetch: (d) => fetchPolicy(d, o.fetch),
    cache,
    report: stsReport(o.log, o.bus),
    node: o.node,
    daneCheck: o.daneCheck,
    minRecheckMs: o.minRecheckMs,
    onStored: o.onStored,
  });
  // Postfix 3.10.5 and later check MX names against the patterns themselves; earlier ones refuse the attributes.
  const sts = versionAtLeast(o.postfixVersion, '3.10.5');
  const socketmap = await startSocketmap({
    socket: o.socket,
    name: o.map,
    lookup: async (key) => socketmapReply(await resolver.decide(key), sts, o.tlsrpt),
    onError: (err) => o.log.error({ event: 'mtasts.lookup_failed', err: err.message }, 'a policy lookup failed; postfix defers that mail'),
  });
  const refresh = setInterval(
    () =>
      void resolver
        .refreshDue()
        .catch((e: Error) => o.log.warn({ event: 'mtasts.refresh_failed', err: e.message }, 'the policy refresh failed; retrying')),
    o.refreshEveryMs ?? 60_000,
  );
  o.log.info(
    { event: 'mtasts.ready', socket: o.socket, cached: kept, dane: o.daneCheck, mxPatterns: sts },
    `MTA-STS policies for postfix on ${o.socket} (${kept} cached)`,
  );
  return {
    resolver,
    cache,
    close: async () => {
      clearInterval(refresh);
      await socketmap.close();
    },
  };
}
