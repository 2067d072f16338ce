import { renderDmarc } from '@mta/seed/dmarc/render';
import type { RenderContext } from '@mta/seed/plan';
import { masterOptions } from '@mta/seed/postfix/loopback';
import { type Milters, startMilters } from '../dmarc/milters.ts';
import { SENDER_IP } from '../dmarc/world.ts';
import type { DnsRecords } from '../harness/dns.ts';
import { freePort } from '../harness/net.ts';
import { createNetns, startNsDns } from '../harness/netns.ts';
import { applyPart } from './apply-part.ts';

// The client address mail to the milter port claims (XCLIENT): one of the DMARC tests' senders (world.ts), outside
// MYNETWORKS, so OpenDMARC judges it (it skips MYNETWORKS, and its SPF check passes any loopback client) and amavis
// sees inbound mail, as on port 25.
export const MILTER_CLIENT = SENDER_IP;

export interface Port25Milters {
  // A second public smtpd of the chain, with the milters port 25 runs in the image (smtpd_milters as rendered).
  port: number;
  // The address its clients claim with XCLIENT ADDR= (the loopback test client may).
  client: string;
  // The milter processes (opendkim, OpenDMARC, the arc-milter's node), whose process trees benches profile.
  pid: Milters['pid'];
  arcOutput: () => string;
  stop: () => Promise<void>;
}

let nsCount = 0;

// Writes what the DMARC renderer produces (the milters' configs, milter_header_checks, the SpamAssassin rule) and a
// second public smtpd on a free port that runs the rendered smtpd_milters; the chain's own public port stays without
// them, so one chain measures both. Loopback clients may name another client address (XCLIENT): the milters see
// what a client on the internet would give them.
export async function renderPort25Milters(ctx: RenderContext, conf: string): Promise<number> {
  const part = renderDmarc(ctx);
  const milters = part.postconfLists?.smtpd_milters;
  if (!milters?.length) throw new Error('the DMARC renderer wired no milters (DMARC_POLICY=off, or amavis before the queue)');
  applyPart(part, conf);
  const port = await freePort();
  applyPart(
    {
      master: [
        {
          service: String(port),
          type: 'inet',
          entry: `${port} inet n - n - - smtpd\n${masterOptions({
            syslog_name: 'postfix/milters',
            smtpd_milters: milters.join(','),
            smtpd_authorized_xclient_hosts: '127.0.0.0/8',
            // The one internet client the bench claims to be sends hundreds of messages a minute, which the seeded
            // per-client anvil limits (SMTPD_CLIENT_MESSAGE_RATE_LIMIT, 100 a minute) refuse; the chain's own port
            // is loopback, exempt as well, so both measure the chain and not the limit. (No space: master.cf splits there.)
            smtpd_client_event_limit_exceptions: `127.0.0.0/8,${MILTER_CLIENT}`,
          })}`,
        },
      ],
    },
    conf,
  );
  return port;
}

// The milters on the rendered root, in a namespace of their own whose DNS server on port 53 answers `records` (their
// resolvers have no port setting). Postfix reaches them over their unix sockets, which cross namespaces.
export async function startPort25Milters(ctx: RenderContext, port: number, records: DnsRecords): Promise<Port25Milters> {
  const ns = createNetns(`mta-chain-${process.pid}-${++nsCount}`);
  const parts: { dns?: { stop: () => Promise<void> }; milters?: Milters } = {};
  const stop = async () => {
    await parts.milters?.stop();
    await parts.dns?.stop();
    ns.remove();
  };
  try {
    parts.dns = await startNsDns(ns, records);
    parts.milters = await startMilters(ns, ctx.paths);
    const m = parts.milters;
    return { port, client: MILTER_CLIENT, pid: m.pid, arcOutput: m.arcOutput, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
