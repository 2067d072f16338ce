import type { RawEnv } from '../env/spec.ts';

// Fleet mode is opt-in: only an explicit NATS_URL turns it on, so single-node users see no change.
export const fleetEnabled = (env: RawEnv): boolean => !!(env.NATS_URL ?? env.NATS_URL__FILE)?.trim();
