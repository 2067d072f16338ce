import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { type Daemon, startDaemon } from './daemon.ts';
import { eventually, freePort, waitForPort } from './net.ts';

export interface NatsCluster {
  // Client URLs, one per server, in start order.
  urls: string[];
  servers: Daemon[];
  // Stops one server (SIGTERM, then SIGKILL) to test failover.
  kill: (i: number) => Promise<void>;
  stop: () => Promise<void>;
}

// A real JetStream cluster of `size` nats-servers on loopback ports (own store dirs under dir), ready for KV/streams.
export async function startNatsCluster(dir: string, size = 3): Promise<NatsCluster> {
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routeUrls = routes.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const servers = ports.map((port, i) =>
    startDaemon('nats-server', [
      ...['-a', '127.0.0.1', '-p', String(port), '-n', `n${i + 1}`, '-js', '-sd', join(dir, `n${i + 1}`)],
      ...['--cluster_name', 'mta', '--cluster', `nats://127.0.0.1:${routes[i]}`, '--routes', routeUrls],
    ]),
  );
  const urls = ports.map((p) => `nats://127.0.0.1:${p}`);
  const stop = async () => {
    for (const s of servers) await s.stop();
  };
  try {
    for (const p of ports) await waitForPort(p);
    // JetStream answers only once the cluster elected its meta leader.
    const nc = await connect({ servers: urls });
    try {
      await eventually(() => jetstreamManager(nc, { timeout: 1000 }).then(() => true), 20_000, 'jetstream cluster ready');
    } finally {
      await nc.close();
    }
  } catch (e) {
    const out = servers.map((s) => s.output()).join('\n');
    await stop();
    throw new Error(`nats cluster did not start: ${(e as Error).message}\n${out}`, { cause: e });
  }
  return { urls, servers, kill: (i) => servers[i]?.stop() ?? Promise.resolve(), stop };
}
