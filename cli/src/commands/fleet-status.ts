import { HEARTBEAT_SUBJECT, mergeHeartbeats, type NodeStatus } from '@mta/shared';
import type { CliIo } from '../io.ts';
import { cliBus, connected } from './bus-connect.ts';

const short = (s: string | undefined, n = 16) => (s && s.length > n ? `${s.slice(0, n)}…` : (s ?? '-'));

// Renders the fleet table: one line per node with what its sidecars reported.
export function formatFleet(rows: readonly NodeStatus[]): string[] {
  if (!rows.length) return ['no nodes seen (no heartbeats on the bus)'];
  const lines = ['NODE\tLAST SEEN\tCERT SERIAL\tCERT EXPIRES\tDKIM\tLEARN PENDING'];
  for (const r of rows) {
    const dkim =
      Object.entries(r.dkim)
        .map(([k, v]) => `${k}=${short(v, 12)}`)
        .join(',') || '-';
    lines.push([r.node, r.lastSeen, short(r.certSerial), r.certNotAfter ?? '-', dkim, r.learnPending ?? '-'].join('\t'));
  }
  return lines;
}

// `mta fleet status`: listens to heartbeats for a while, then prints what every node reported.
export async function fleetStatus(io: CliIo, opts: { waitMs: number; json?: boolean }): Promise<void> {
  const bus = cliBus(io, 'fleet-status');
  await connected(bus, io, Math.min(opts.waitMs, 5000));
  const beats: Record<string, unknown>[] = [];
  bus.subscribe(HEARTBEAT_SUBJECT, (d) => beats.push(d));
  await new Promise((r) => setTimeout(r, opts.waitMs));
  await bus.close();
  const rows = mergeHeartbeats(beats);
  if (opts.json) io.out(JSON.stringify(rows, null, 2));
  else for (const l of formatFleet(rows)) io.out(l);
}
