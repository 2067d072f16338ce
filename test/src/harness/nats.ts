import { join } from 'node:path';
import { type Daemon, startDaemon } from './daemon.ts';
import { freePort, waitForPort } from './net.ts';

export interface NatsServer extends Daemon {
  port: number;
  url: string;
  // Starts a stopped server again on the same port (for reconnect tests).
  restart: () => Promise<void>;
}

// A real nats-server on a loopback port; JetStream stores under dir when asked.
export async function startNats(opts: { port?: number; jetstream?: boolean; dir?: string; wait?: boolean } = {}): Promise<NatsServer> {
  const port = opts.port ?? (await freePort());
  const args = ['-a', '127.0.0.1', '-p', String(port)];
  if (opts.jetstream && opts.dir) args.push('-js', '-sd', join(opts.dir, 'jetstream'));
  let d = startDaemon('nats-server', args);
  if (opts.wait !== false) await waitForPort(port);
  const server: NatsServer = {
    get proc() {
      return d.proc;
    },
    output: () => d.output(),
    stop: () => d.stop(),
    port,
    url: `nats://127.0.0.1:${port}`,
    restart: async () => {
      await d.stop();
      d = startDaemon('nats-server', args);
      await waitForPort(port);
    },
  };
  return server;
}
