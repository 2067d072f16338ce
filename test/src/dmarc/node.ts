import { renderDmarc } from '@mta/seed/dmarc/render';
import { postfixRenderers } from '@mta/seed/postfix/index';
import type { RawEnv } from '@mta/shared';
import { createNetns, type Daemon, type SeededPostfix, seededPostfix, startNsDns, type TestNetns, tempRoot } from '../harness/index.ts';
import { type Milters, startMilters } from './milters.ts';
import { FORWARDER_IP, SENDER_IP, world } from './world.ts';

// One full node of the DMARC tests: the test world's keys and records on the namespace's DNS server, postfix seeded
// with the DMARC renderers, and the port-25 milters (arc-milter, opendkim, OpenDMARC).
export interface DmarcNode {
  ns: TestNetns;
  dns: Daemon;
  mta: SeededPostfix;
  milters: Milters;
  world: ReturnType<typeof world>;
  stop: () => Promise<void>;
}

export async function startDmarcNode(name: string, env: RawEnv): Promise<DmarcNode> {
  const tmp = await tempRoot(`mta-${name}-keys-`);
  const parts: Partial<DmarcNode> = {};
  const stop = async () => {
    await parts.milters?.stop();
    await parts.mta?.stop();
    await parts.dns?.stop();
    parts.ns?.remove();
    await tmp.cleanup();
  };
  try {
    const w = world(tmp.dir);
    parts.world = w;
    parts.ns = createNetns(`mta-${name}-${process.pid}`, [SENDER_IP, FORWARDER_IP]);
    parts.dns = await startNsDns(parts.ns, w.records);
    parts.mta = await seededPostfix({ env, variant: 'full', renderers: [...postfixRenderers, renderDmarc], ns: parts.ns, logDir: true });
    parts.milters = await startMilters(parts.ns, parts.mta.paths);
    return { ...(parts as Omit<DmarcNode, 'stop'>), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
