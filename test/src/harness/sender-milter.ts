import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mtaPaths } from '@mta/shared';
import { type Daemon, startDaemon } from './daemon.ts';
import { eventually } from './net.ts';

const MAIN = fileURLToPath(new URL('../../../sidecars/sender-milter/src/main.ts', import.meta.url));

export interface SenderMilter extends Daemon {
  // Starts it again after stop() (same root, same socket).
  restart: () => Promise<void>;
}

// The real sender-milter sidecar as its own process (sources via tsx) on a seeded root: it reads the seed's settings
// file and listens where postfix's submission services look. `env` adds to a quiet default (the bus on NATS_URL).
export async function startSenderMilter(root: string, env: Record<string, string> = {}): Promise<SenderMilter> {
  const paths = mtaPaths(root);
  // The image's run script makes this directory at every start (postfix may enter it; here root runs everything).
  mkdirSync(paths.senderMilterRun, { recursive: true, mode: 0o755 });
  const start = async () => {
    const d = startDaemon(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MTA_ROOT: root, SYSLOG_LEVEL: '7', NATS_URL: 'nats://127.0.0.1:1', ...env },
      cwd: join(MAIN, '../../../..'),
    });
    await eventually(
      () => {
        if (d.proc.exitCode !== null) throw new Error(`sender-milter exited:\n${d.output()}`);
        return d.output().includes('"sender-milter.ready"');
      },
      30_000,
      'sender-milter ready',
    );
    return d;
  };
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
