import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type Daemon, startDaemon } from '../harness/index.ts';

const MAIN = fileURLToPath(new URL('../../../sidecars/acme-watch/src/main.ts', import.meta.url));

// The real sidecar as its own process (same node, sources via tsx), so "still running" means something.
export function startAcmeSidecar(env: Record<string, string>, args: string[] = []): Daemon {
  return startDaemon(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SYSLOG_LEVEL: '7', ...env },
    cwd: join(MAIN, '../../../..'),
  });
}

export interface Event {
  subject: string;
  data: Record<string, unknown>;
  raw: string;
}

// Everything published on mta.> while the test runs, in order.
export async function collectEvents(url: string): Promise<{ events: Event[]; nc: NatsConnection; since: (n: number) => Event[] }> {
  const nc = await connect({ servers: url });
  const events: Event[] = [];
  nc.subscribe('mta.>', {
    callback: (_err, msg) => {
      // Fleet heartbeats (explicit NATS_URL) are periodic telemetry, not events of the change under test.
      if (msg.subject === 'mta.fleet.heartbeat') return;
      const raw = msg.string();
      events.push({ subject: msg.subject, data: JSON.parse(raw) as Record<string, unknown>, raw });
    },
  });
  await nc.flush();
  return { events, nc, since: (n) => events.slice(n) };
}

export const isRunning = (d: Daemon): boolean => d.proc.exitCode === null && d.proc.signalCode === null;
