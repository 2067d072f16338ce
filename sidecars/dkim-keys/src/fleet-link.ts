import {
  type FleetBucket,
  type FleetConnection,
  type FleetIdentity,
  type FleetLedger,
  type Logger,
  openBucket,
  type Publish,
} from '@mta/shared';

// How the service reaches the fleet: the bus's live connection (undefined once the bus closed first).
export interface FleetLink {
  connection: () => Promise<FleetConnection | undefined>;
  identity: FleetIdentity;
  publish?: Publish;
  // How long the start waits for the fleet before generating a missing key locally (default 3 s).
  startWaitMs?: number;
  // First pause between attempts while the bucket cannot be opened (no JetStream yet, no permission …).
  retryMs?: number;
}

// One bounded attempt at the start: connected and bucket open within startWaitMs, else undefined (keep going
// locally; the follower keeps trying). `event` names the warning (dkim.fleet.unavailable, srs.fleet.unavailable).
export async function openAtStart(link: FleetLink, bucket: string, log: Logger, event: string): Promise<FleetBucket | undefined> {
  const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), link.startWaitMs ?? 3000).unref());
  const nc = await Promise.race([link.connection(), timeout]);
  if (!nc) return undefined;
  try {
    return await openBucket(nc, bucket);
  } catch (e) {
    log.warn({ event, bucket, err: (e as Error).message }, `fleet bucket ${bucket} not available yet`);
    return undefined;
  }
}

// The options of followSigned that every bucket of this sidecar sets the same way. Each (re)open hands the bucket to
// `opened` and runs `putOurs` (this node's own entries go in); a forged or deleted entry runs it again, so the bucket
// heals itself. Without a ledger the fleet was never opened: a bug in the caller, so it throws.
export const followLink = (
  link: FleetLink,
  bucket: string,
  ledger: FleetLedger | undefined,
  log: Logger,
  opened: (kv: FleetBucket) => void,
  putOurs: () => Promise<void>,
) => {
  if (!ledger) throw new Error(`fleet bucket ${bucket} followed before it was opened`);
  return {
    connection: link.connection,
    bucket,
    log,
    identity: link.identity,
    ledger,
    publish: link.publish,
    retryMs: link.retryMs,
    onOpen: async (kv: FleetBucket) => {
      opened(kv);
      await putOurs();
    },
    onForged: putOurs,
  };
};
