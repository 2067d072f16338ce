import { join } from 'node:path';
import type { ensureLearnStream, FleetIdentity, Logger, Publish } from '@mta/shared';
import type { LearnKind } from './kind.ts';

// What the fleet inbox and outbox both need: the bus connection, this node's key, and the learn size limit.
export interface FleetLearnLink {
  connection: () => Promise<Parameters<typeof ensureLearnStream>[0] | undefined>;
  identity: FleetIdentity;
  log: Logger;
  publish?: Publish;
  // SPAMD_MAX_SIZE: larger messages are neither shared nor taken from the fleet.
  maxMessageBytes: number;
}

// File name of a fleet message: hash of the bytes only, so the spam and the ham copy of one message share a name
// (the queue then learns the later decision last, as for kopano's <searchkey>.eml pairs).
// node:crypto is loaded on the first fleet message, not at start (an idle sidecar outside a fleet never needs it).
export const fleetFileName = (message: Uint8Array): string =>
  `${process.getBuiltinModule('node:crypto').createHash('sha256').update(message).digest('hex')}.eml`;

// Where a fleet message waits for the learn queue (inbox) or for publishing (outbox).
export const fleetPath = (dir: string, kind: LearnKind, message: Uint8Array): string => join(dir, kind, fleetFileName(message));

// Stream time of a delivery in ms (the queue orders by it like by a file's mtime).
export const deliveryTimeMs = (timestampNanos: bigint | number): number =>
  typeof timestampNanos === 'bigint' ? Number(timestampNanos / 1_000_000n) : Math.floor(timestampNanos / 1e6);

// Learn lag for heartbeats: files in the local queue plus fleet messages not yet delivered or acked here.
export const learnLag = (queued: number, consumer?: { num_pending?: number; num_ack_pending?: number }): number =>
  queued + (consumer?.num_pending ?? 0) + (consumer?.num_ack_pending ?? 0);
