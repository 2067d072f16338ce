import { renderDmarc } from '@mta/seed/dmarc/render';
import { postfixRenderers } from '@mta/seed/postfix/index';
import type { RawEnv } from '@mta/shared';
import type { DnsRecords } from '../harness/dns.ts';
import { createNetns, type Daemon, type SeededPostfix, seededPostfix, startNsDns, type TestNetns, tempRoot } from '../harness/index.ts';
import { type Milters, startMilters } from './milters.ts';
import { FORWARDER_IP, SENDER_IP, world } from './world.ts';

// One full node of the DMARC tests: the test world's keys and records on the namespace's DNS server, postfix seeded
// with the DMARC renderers, and the port-25 milters (arc-milter, opendkim, OpenDMARC). A test that restarts the DNS
// server or the milters puts the new ones in their place, and stop() stops those.
export interface DmarcNode {
  ns: TestNetns;
  dns: Daemon;
  mta: SeededPostfix;
  milters: Milters;
  world: ReturnType<typeof world>;
  stop: () => Promise<void>;
}

// `records` adds the test's own records to the world's before the DNS server starts.
export async function startDmarcNode(name: string, env: RawEnv, records?: (r: DnsRecords) => void): Promise<DmarcNode> {
  const tmp = await tempRoot(`mta-${name}-keys-`);
  const node: Partial<DmarcNode> = {};
  const stop = async () => {
    await node.milters?.stop();
    await node.mta?.stop();
    await node.dns?.stop();
    node.ns?.remove();
    await tmp.cleanup();
  };
  node.stop = stop;
  try {
    const w = world(tmp.dir);
    records?.(w.records);
    node.world = w;
    node.ns = createNetns(`mta-${name}-${process.pid}`, [SENDER_IP, FORWARDER_IP]);
    node.dns = await startNsDns(node.ns, w.records);
    node.mta = await seededPostfix({ env, variant: 'full', renderers: [...postfixRenderers, renderDmarc], ns: node.ns, logDir: true });
    node.milters = await startMilters(node.ns, node.mta.paths);
    return node as DmarcNode;
  } catch (e) {
    await stop();
    throw e;
  }
}

// A message `raw` into the node's port 25 from `ip` of the namespace; swaks's dialogue, to check the replies in.
export function sendRaw(node: DmarcNode, raw: string, o: { from: string; to: string; ip: string; helo: string }): string {
  const r = node.ns.run(
    'swaks',
    ['--hide-informational', '--timeout', '15', '--local-interface', o.ip, '--server', '127.0.0.1', '--port', String(node.mta.port)].concat(
      ['--from', o.from, '--to', o.to, '--helo', o.helo, '--data', '-'],
    ),
    { input: raw, timeoutMs: 60_000 },
  );
  return `${r.stdout}${r.stderr}`;
}
