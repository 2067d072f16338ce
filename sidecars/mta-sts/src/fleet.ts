import { type CachedPolicy, checkEntry, expiresAt, type PolicyEntry } from './cache.ts';
import { modeRank } from './policy.ts';

// A fleet shares its policy cache through the KV bucket mta-sts (STS_BUCKET): key = destination domain, value = a
// signed entry (the envelope of shared/src/fleet) whose body is the policy as one node fetched it.
export const fleetBody = (e: CachedPolicy): Uint8Array =>
  new TextEncoder().encode(JSON.stringify({ domain: e.domain, id: e.id, text: e.text, fetchedAt: e.fetchedAt }));

// What a node does with a policy another trusted node signed (the signature, trust and replay checks are done):
// adopt it; fetch the policy itself first (the entry would weaken what this node holds); or refuse it.
export type FleetVerdict =
  | { kind: 'adopt'; entry: PolicyEntry }
  | { kind: 'verify'; reason: string }
  | { kind: 'refuse'; reason: string }
  | { kind: 'ignore' };

// A fetched policy from the bus is input like any other: it must be a policy for exactly this key that parses, be
// in force now, and be newer than ours. It may tighten what this node holds, never loosen it: a weaker mode (enforce
// to testing or none) or other MX patterns under enforce make this node fetch the policy itself, so neither a
// compromised node nor a replay can lift a domain's protection. Clock skew: an entry from the future is refused.
export function judgeFleetEntry(key: string, body: Uint8Array, signer: string, local: PolicyEntry | undefined, now: number): FleetVerdict {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return { kind: 'refuse', reason: 'not a policy entry' };
  }
  const e = checkEntry({ ...(raw as object), by: signer });
  if (!e) return { kind: 'refuse', reason: 'not a valid MTA-STS policy entry' };
  if (e.domain !== key) return { kind: 'refuse', reason: 'entry for another domain' };
  if (e.fetchedAt > now + 10 * 60_000) return { kind: 'refuse', reason: 'fetched in the future' };
  if (expiresAt(e) <= now) return { kind: 'ignore' };
  const mine = local && expiresAt(local) > now ? local : undefined;
  if (!mine) return { kind: 'adopt', entry: e };
  if (e.fetchedAt <= mine.fetchedAt) return { kind: 'ignore' };
  if (modeRank(e.policy.mode) < modeRank(mine.policy.mode)) return { kind: 'verify', reason: `weaker mode ${e.policy.mode}` };
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
  if (mine.policy.mode === 'enforce' && !same(e.policy.mx, mine.policy.mx)) return { kind: 'verify', reason: 'other MX patterns' };
  return { kind: 'adopt', entry: e };
}
