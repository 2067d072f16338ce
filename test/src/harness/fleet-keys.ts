import { createUser } from '@nats-io/nkeys';

// A node's fleet signing key (what `nk -gen user` makes), as the test gives it in MTA_FLEET_KEY.
export interface NodeKey {
  name: string;
  seed: string;
  publicKey: string;
}

export function nodeKey(name: string): NodeKey {
  const kp = createUser();
  return { name, seed: new TextDecoder().decode(kp.getSeed()), publicKey: kp.getPublicKey() };
}

// A test fleet's keys, one a node name, and the key of a node by its name.
export function fleetKeys(names: readonly string[]): { keys: NodeKey[]; keyOf: (name: string) => NodeKey } {
  const keys = names.map(nodeKey);
  return { keys, keyOf: (name) => keys.find((k) => k.name === name) as NodeKey };
}

// The fleet variables of one node that trusts every other key listed.
export const fleetEnv = (me: NodeKey, all: readonly NodeKey[]): Record<string, string> => ({
  MTA_FLEET_KEY: me.seed,
  MTA_FLEET_TRUST: all
    .filter((k) => k !== me)
    .map((k) => `${k.name}=${k.publicKey}`)
    .join(' '),
});

// A heartbeat as published (signed JSON text in `beat`): its fields, unverified, for tests that read what a node said.
export function heartbeatOf(data: Record<string, unknown>): Record<string, unknown> {
  return typeof data.beat === 'string' ? { ...data, ...(JSON.parse(data.beat) as Record<string, unknown>) } : data;
}
