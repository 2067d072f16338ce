import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { type Outbound, startOutbound } from '@mta/mta-sts';
import { createLogger, type MtaPaths } from '@mta/shared';
import { type DnsServer, startDns } from './dns.ts';

export interface MtaStsSource {
  outbound: Outbound;
  dns: DnsServer;
  stop: () => Promise<void>;
}

// The MTA-STS policy source wherever the seed wired it (as the image runs it), so postfix's smtp_tls_policy_maps
// lookups are answered: with a test DNS server of its own that knows no _mta-sts record (unless a test adds one),
// every destination is answered at once with no policy, and no lookup leaves the host.
export async function startMtaStsSource(paths: MtaPaths): Promise<MtaStsSource | undefined> {
  if (!existsSync(paths.mtaStsConf)) return undefined;
  const settings = JSON.parse(readFileSync(paths.mtaStsConf, 'utf8')) as { socket?: string; map?: string };
  if (!settings.socket || !settings.map) return undefined;
  mkdirSync(paths.mtaStsRun, { recursive: true });
  for (const d of [paths.run, paths.mtaStsRun]) chmodSync(d, 0o755);
  const dns = await startDns({});
  const outbound = await startOutbound({
    socket: settings.socket,
    map: settings.map,
    cacheDir: paths.mtaStsCache,
    dns: { host: '127.0.0.1', port: dns.port },
    daneCheck: false,
    postfixVersion: undefined,
    node: 'test',
    log: createLogger({ sidecar: 'mta-sts', node: 'test', syslogLevel: 3 }),
  });
  return {
    outbound,
    dns,
    stop: async () => {
      await outbound.close();
      await dns.stop();
    },
  };
}
