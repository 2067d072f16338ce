import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
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
  // As the image's run script makes it at every start: the milter's user writes it, postfix may enter it.
  mkdirSync(paths.senderMilterRun, { recursive: true });
  chownSync(paths.senderMilterRun, id('-u', 'mta-milter'), id('-g', 'postfix'));
  chmodSync(paths.senderMilterRun, 0o750);
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

const id = (flag: string, name: string) => Number(execFileSync('id', [flag, name]).toString());
