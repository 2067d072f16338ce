// What is on disk for one domain+selector before we act.
export type Existing = { state: 'missing' } | { state: 'valid'; fingerprint: string } | { state: 'invalid'; reason: string };

export type Decision =
  | { action: 'keep' }
  // Write DKIM_PRIVATEKEY; `backup` keeps the file it replaces as <file>.bak.
  | { action: 'import'; backup: boolean }
  | { action: 'generate' }
  // An unusable file nobody asked us to replace: report it, never touch it.
  | { action: 'reject'; reason: string };

export interface DecideInput {
  existing: Existing;
  // Fingerprint of DKIM_PRIVATEKEY when set.
  envKey?: string;
  // FORCE_CONFIG or the unlock file: the moment the user's variables win over files on disk.
  seeding: boolean;
}

// The seed's order: DKIM_PRIVATEKEY (replaces a file only at seeding), else the file on disk, else a new key.
export function decideKey({ existing, envKey, seeding }: DecideInput): Decision {
  if (envKey !== undefined) {
    if (existing.state === 'missing') return { action: 'import', backup: false };
    if (existing.state === 'invalid') return { action: 'import', backup: true };
    if (existing.fingerprint === envKey) return { action: 'keep' };
    return seeding ? { action: 'import', backup: true } : { action: 'keep' };
  }
  if (existing.state === 'missing') return { action: 'generate' };
  if (existing.state === 'invalid') return { action: 'reject', reason: existing.reason };
  return { action: 'keep' };
}
