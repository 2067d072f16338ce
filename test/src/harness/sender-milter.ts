import { mtaPaths } from '@mta/shared';
import type { Daemon } from './daemon.ts';
import { startSidecarSource } from './sidecar-source.ts';

export interface SenderMilter extends Daemon {
  // Starts it again after stop() (same root, same socket).
  restart: () => Promise<void>;
}

// The real sender-milter sidecar as its own process (sources via tsx) on a seeded root: it reads the seed's settings
// file and listens where postfix's submission services look. `env` adds to a quiet default (the bus on NATS_URL).
export async function startSenderMilter(root: string, env: Record<string, string> = {}): Promise<SenderMilter> {
  const paths = mtaPaths(root);
  const start = () => startSidecarSource({ name: 'sender-milter', root, runDir: paths.senderMilterRun, user: 'mta-milter', env });
  let d = await start();
  return {
    get proc() {
      return d.proc;
    },
    output: () => d.output(),
    stop: () => d.stop(),
    restart: async () => {
      await d.stop();
      d = await start();
    },
  };
}
