import { fleetSigners, HEARTBEAT_SUBJECT, mergeHeartbeats, type NodeStatus, openHeartbeat, parseEffective } from '@mta/shared';
import type { CliIo } from '../io.ts';
import { cliBus, connected } from './bus-connect.ts';

const short = (s: string | undefined, n = 16) => (s && s.length > n ? `${s.slice(0, n)}…` : (s ?? '-'));

// Renders the fleet table: one line per node with what its sidecars reported.
function formatFleet(rows: readonly NodeStatus[]): string[] {
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

// `mta fleet status`: listens to heartbeats for a while, then prints what every node reported. Only heartbeats signed
// by a trusted key (MTA_FLEET_TRUST, or this node's MTA_FLEET_KEY) are shown; how many others came is said.
export async function fleetStatus(io: CliIo, opts: { waitMs: number; json?: boolean }): Promise<void> {
  // cliBus exits on an invalid environment.
  const bus = await cliBus(io, 'fleet-status');
  const parsed = await parseEffective(io.env);
  const signers = parsed.ok ? await fleetSigners(parsed.config) : undefined;
  await connected(bus, io, Math.min(opts.waitMs, 5000));
  const beats: Record<string, unknown>[] = [];
  let refused = 0;
  bus.subscribe(HEARTBEAT_SUBJECT, (d) => {
    const h = signers ? openHeartbeat(signers, d) : undefined;
    if (h?.ok) beats.push({ ...h.beat, at: new Date(h.signedAt).toISOString() });
    else refused++;
  });
  await new Promise((r) => setTimeout(r, opts.waitMs));
  await bus.close();
  const rows = mergeHeartbeats(beats);
  if (opts.json) io.out(JSON.stringify(rows, null, 2));
  else for (const l of formatFleet(rows)) io.out(l);
  if (refused) io.err(`${refused} heartbeats ignored: not signed by a key in MTA_FLEET_TRUST (or too old)`);
}
