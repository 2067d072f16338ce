import { type Bus, ErrorCode, formatIssue, parseEffective, startBus } from '@mta/shared';
import { type CliIo, failure } from '../io.ts';

// CLI commands reach the bus with the same NATS settings the sidecars use, under the seeded node name.
export async function cliBus(io: CliIo, name: string): Promise<Bus> {
  const r = await parseEffective(io.env);
  if (!r.ok) {
    for (const e of r.errors) io.err(formatIssue(e));
    throw failure(io, ErrorCode.Config);
  }
  return startBus(r.config, `mta-cli-${name}`);
}

// Waits for the first connection or gives up with a clear message (the CLI must not hang).
export async function connected(bus: Bus, io: CliIo, timeoutMs: number): Promise<void> {
  const ok = await Promise.race([
    bus.connection().then(Boolean),
    new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref()),
  ]);
  if (!ok) {
    io.err(`mta: the event bus (NATS) is not reachable within ${timeoutMs} ms; is nats-server running? (NATS_URL)`);
    await bus.close();
    throw failure(io, ErrorCode.Unavailable);
  }
}
