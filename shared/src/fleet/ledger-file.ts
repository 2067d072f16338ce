// One key's memory on /srv: the newest signed value this node applied (kept verbatim, so it can be put back), how
// long it must be kept, and the content the operator retired under the key (DKIM fingerprints, certificate serials).
export interface LedgerFile {
  v: 1;
  key: string;
  // The signed bucket value, base64 (byte for byte what was in the bucket).
  value?: string;
  // Epoch ms after which no older entry can do harm any more (a ban's end); absent: kept until the cap evicts it.
  keepUntil?: number;
  retired?: Retirement[];
}

interface Retirement {
  id: string;
  at: string;
}

// Retirements remembered per key; the oldest go first (a key retired this often is being rotated on purpose).
const MAX_RETIRED = 32;

// The envelope fields the ledger orders by, read without verifying (the file is root's own, the value was verified
// when it was recorded).
export function envelopeFacts(value: Uint8Array): { at: string; signer: string; op: string } | undefined {
  try {
    const e = JSON.parse(Buffer.from(value).toString('utf8')) as Record<string, unknown>;
    if (typeof e.at !== 'string' || typeof e.signer !== 'string' || !Number.isFinite(Date.parse(e.at))) return undefined;
    return { at: e.at, signer: e.signer, op: typeof e.op === 'string' ? e.op : '' };
  } catch {
    return undefined;
  }
}

// The file name of a key: KV keys are [-/_=.a-zA-Z0-9]; '/' is escaped, and a key too long for a file name is hashed.
export function ledgerFileName(key: string): string {
  const safe = key.replace(/[^-_=.a-zA-Z0-9]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return safe.length <= 200
    ? `${safe}.json`
    : `%${process.getBuiltinModule('node:crypto').createHash('sha256').update(key).digest('hex')}.json`;
}

// A record read back from disk, or undefined when it is not one of ours for this key.
export function parseLedgerFile(text: string, key: string): LedgerFile | undefined {
  let raw: Partial<LedgerFile>;
  try {
    raw = JSON.parse(text) as Partial<LedgerFile>;
  } catch {
    return undefined;
  }
  if (raw?.v !== 1 || raw.key !== key) return undefined;
  const out: LedgerFile = { v: 1, key };
  if (typeof raw.value === 'string' && raw.value) out.value = raw.value;
  if (typeof raw.keepUntil === 'number' && Number.isFinite(raw.keepUntil)) out.keepUntil = raw.keepUntil;
  if (Array.isArray(raw.retired))
    out.retired = raw.retired
      .filter((r): r is Retirement => typeof r?.id === 'string' && typeof r.at === 'string')
      .slice(-MAX_RETIRED)
      .map((r) => ({ id: r.id, at: r.at }));
  return out;
}

// The record after applying `value` (signed at `at`): never goes back to an older value, keeps the longest
// keepUntil and every retirement. undefined when nothing changes (the same value again writes nothing).
export function withValue(
  cur: LedgerFile | undefined,
  key: string,
  value: Uint8Array,
  at: string,
  keepUntil?: number,
): LedgerFile | undefined {
  const curAt = cur?.value ? envelopeFacts(Buffer.from(cur.value, 'base64'))?.at : undefined;
  const next: LedgerFile = { ...(cur ?? { v: 1, key }) };
  if (!curAt || Date.parse(at) >= Date.parse(curAt)) next.value = Buffer.from(value).toString('base64');
  const keep = Math.max(cur?.keepUntil ?? 0, keepUntil ?? 0);
  if (keep) next.keepUntil = keep;
  return JSON.stringify(next) === JSON.stringify(cur) ? undefined : next;
}

// The record with these ids retired at `at` (ids already known keep their first time). undefined when unchanged.
export function withRetired(cur: LedgerFile | undefined, key: string, ids: readonly string[], at: string): LedgerFile | undefined {
  const retired = [...(cur?.retired ?? [])];
  const fresh = [...new Set(ids)].filter((id) => id && !retired.some((r) => r.id === id));
  if (!fresh.length) return undefined;
  retired.push(...fresh.map((id) => ({ id, at })));
  return { ...(cur ?? { v: 1, key }), retired: retired.slice(-MAX_RETIRED) };
}
