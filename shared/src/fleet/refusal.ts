import type { Logger } from '../log.ts';

export type Publish = (subject: string, payload: Record<string, unknown>) => void;

// Why a fleet entry (KV value or learn message) was not used; never its content.
export interface Refusal {
  // The bucket or stream it came from.
  source: string;
  entry: string;
  reason: string;
  // The trusted node that signed it, when the signature held.
  signer?: string;
}

// Logged and published as `mta.fleet.refused`: the node keeps serving what it had.
export function reportRefusal(log: Logger, publish: Publish | undefined, r: Refusal): void {
  log.warn({ event: 'fleet.refused', ...r }, `fleet entry refused: ${r.reason}`);
  publish?.('mta.fleet.refused', { ...r });
}

// Something this node meant to share and did not (outbox full, message too large): `mta.fleet.dropped`.
export function reportDropped(log: Logger, publish: Publish | undefined, facts: Record<string, unknown> & { reason: string }): void {
  log.warn({ event: 'fleet.dropped', ...facts }, `not shared with the fleet: ${facts.reason}`);
  publish?.('mta.fleet.dropped', { ...facts });
}
