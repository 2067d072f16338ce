import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type KeyId, keyFileName, writeAtomic } from '@mta/shared';
import type { DkimCore } from './core.ts';
import { keyEvent } from './events.ts';
import { type Inspection, inspectKey } from './keyinfo.ts';
import { backupKey, readKeyBytes, writeKey } from './store.ts';
import { syncKeys } from './sync.ts';

// What a node does with the fleet's key for one domain+selector, given its own file (first writer wins).
export type FleetStep =
  | { step: 'keep' }
  // Same key in another encoding: take the fleet's bytes so every node's file is identical; nothing to announce.
  | { step: 'rewrite' }
  // No local key yet: the fleet's becomes ours.
  | { step: 'adopt' }
  // A different (or unusable) local key loses: it is kept as .bak and the fleet's key replaces it.
  | { step: 'replace'; localFingerprint?: string }
  // The fleet's value is not a usable key: keep ours and report it (never its content).
  | { step: 'refuse'; reason: string };

export interface LocalKey {
  bytes: Buffer;
  // undefined when the local file is not a usable key.
  fingerprint?: string;
}

// What this node accepts from the fleet: keys for the domains it serves, no weaker than it would make itself.
export interface FleetPolicy {
  served: ReadonlySet<string>;
  // DKIM_KEYBITS.
  minBits: number;
}

// Pure decision, unit-tested: the policy first, then compares bytes, then public key fingerprints.
export function fleetStep(local: LocalKey | undefined, fleet: Buffer, fleetInfo: Inspection, policy?: FleetPolicy, domain = ''): FleetStep {
  if (!fleetInfo.ok) return { step: 'refuse', reason: fleetInfo.reason };
  if (policy && !policy.served.has(domain.toLowerCase()))
    return { step: 'refuse', reason: `${domain} is not a domain this node serves (MAIL_DOMAIN)` };
  if (policy && fleetInfo.info.bits < policy.minBits)
    return { step: 'refuse', reason: `a ${fleetInfo.info.bits}-bit key, below DKIM_KEYBITS=${policy.minBits}` };
  if (!local || local.bytes.length === 0) return { step: 'adopt' };
  if (local.bytes.equals(fleet)) return { step: 'keep' };
  if (local.fingerprint === fleetInfo.info.fingerprint) return { step: 'rewrite' };
  return { step: 'replace', localFingerprint: local.fingerprint };
}

// Reads a node's key file with its fingerprint (undefined fingerprint = unusable file).
export async function readLocalKey(core: DkimCore, id: KeyId): Promise<LocalKey | undefined> {
  const bytes = await readKeyBytes(core, join(core.dir, keyFileName(id)));
  if (!bytes) return undefined;
  const r = inspectKey(bytes);
  return { bytes, fingerprint: r.ok ? r.info.fingerprint : undefined };
}

// Applies the fleet's key to this node: backup on conflict, atomic write, event, snippet + amavis reload.
// Returns the step taken (a refusal is the caller's to report); logs fingerprints only, never key material.
export async function applyFleetKey(core: DkimCore, id: KeyId, fleet: Buffer, policy?: FleetPolicy): Promise<FleetStep> {
  const name = keyFileName(id);
  const file = join(core.dir, name);
  const local = await readLocalKey(core, id);
  const fleetInfo = inspectKey(fleet);
  const step = fleetStep(local, fleet, fleetInfo, policy, id.domain);
  const facts = { domain: id.domain, selector: id.selector };
  if (step.step === 'refuse' || step.step === 'keep' || !fleetInfo.ok) return step;
  if (step.step === 'replace' && local) {
    await backupKey(file, local.bytes, core.owner);
    core.log.warn(
      {
        event: 'dkim.fleet.conflict',
        ...facts,
        local: step.localFingerprint ?? 'unusable',
        fleet: fleetInfo.info.fingerprint,
        backup: `${file}.bak`,
      },
      'local DKIM key differs from the fleet key; the fleet key wins (first writer), the local one is kept as .bak',
    );
  }
  // Known before the write so the dir watcher does not announce the same key again as a dropped file.
  core.known.set(name, fleetInfo.info.fingerprint);
  await writeKey(file, fleet.toString('utf8'), core.owner);
  if (step.step !== 'rewrite') keyEvent(core.log, core.publish, id, fleetInfo.info, 'fleet');
  const { snippetChanged } = await syncKeys(core, { announce: true });
  // Same file name means the same snippet: amavis still has to re-read the replaced key.
  if (!snippetChanged && step.step !== 'rewrite') await core.reload();
  return step;
}

// The operator retired this key fleet-wide (`mta fleet retire dkim`): it is kept as .retired and leaves the amavis
// snippet; the service then mints a new one, which the first node to publish makes the fleet's.
export async function retireLocalKey(core: DkimCore, id: KeyId): Promise<boolean> {
  const name = keyFileName(id);
  const file = join(core.dir, name);
  const bytes = await readKeyBytes(core, file);
  if (!bytes) return false;
  await writeAtomic(`${file}.retired`, bytes, { mode: 0o600, uid: core.owner?.uid, gid: core.owner?.gid });
  await rm(file, { force: true });
  core.known.delete(name);
  core.log.warn(
    { event: 'dkim.fleet.retired', domain: id.domain, selector: id.selector, kept: `${file}.retired` },
    'DKIM key retired by the fleet',
  );
  return true;
}
