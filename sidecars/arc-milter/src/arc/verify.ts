import { createHash, verify } from 'node:crypto';
import type { HeaderField } from '@mta/shared';
import { relaxedBody, relaxedHeader, simpleBody, simpleHeader } from './canon.ts';
import { lookupKey, type TxtLookup } from './keys.ts';
import { base64Of, parseTags, withoutSignature } from './tags.ts';

// One ARC set of a chain that validated: its instance and the sealer (ARC-Seal d=).
export interface ArcSet {
  i: number;
  sealer: string;
}

// The chain's result (RFC 8617 5.2). pass: every seal and the newest message signature verified; `sets` newest
// first, `newestResults` the newest set's ARC-Authentication-Results value after "i=N;", `oldestPass` the oldest
// instance whose message signature still verifies when an older one does not, 0 when all do (5.2 step 5: the
// header.oldest-pass of our arc= result). fail: `reason` is our own text, never the message's.
export type ArcResult =
  | { result: 'none' }
  | { result: 'pass'; sets: ArcSet[]; newestResults: string; oldestPass: number }
  | { result: 'fail'; reason: string };

const MAX_SETS = 50;
const SEAL = 'arc-seal';
const AMS = 'arc-message-signature';
const AAR = 'arc-authentication-results';
// Sealers and selectors name DNS labels; anything else is not a key name this verifier looks up.
const DOMAIN = /^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252}[A-Za-z0-9_])?$/;

interface Set {
  seal: HeaderField;
  ams: HeaderField;
  aar: HeaderField;
}

const fail = (reason: string): ArcResult => ({ result: 'fail', reason });

// Only the newest set's body hash is needed, so the body is only asked for when the message has ARC fields.
export const hasArc = (headers: HeaderField[]): boolean => headers.some((h) => h.name === SEAL || h.name === AMS || h.name === AAR);

// Verifies the ARC chain of a message: its header fields in order (names lower-cased, rawName as spelled) and its
// body (CRLF lines; undefined or 'too-large' when not available).
export async function verifyArc(headers: HeaderField[], body: Buffer | 'too-large' | undefined, lookup: TxtLookup): Promise<ArcResult> {
  if (!hasArc(headers)) return { result: 'none' };
  const sets = collectSets(headers);
  if (typeof sets === 'string') return fail(sets);
  const n = sets.length;
  const newest = sets[n - 1] as Set;
  const seals = sets.map((s) => parseTags(s.seal.value));
  for (const [k, t] of seals.entries()) {
    if (!t) return fail(`as.${k + 1} unreadable`);
    const cv = t.get('cv');
    if (t.has('h')) return fail(`as.${k + 1} has h=`);
    // RFC 8617 5.1.1: the first seal says none, every later one pass; a newest seal of fail ends the chain.
    if (k === 0 ? cv !== 'none' : cv !== 'pass')
      return fail(cv === 'fail' ? `as.${k + 1} cv=fail` : `as.${k + 1} cv=${k === 0 ? 'not none' : 'not pass'}`);
  }
  if (body === undefined || body === 'too-large') return fail(body ? 'message too large to verify' : 'no body to verify');
  const ams = await verifyAms(headers, newest.ams, body, lookup);
  if (ams) return fail(`ams.${n} ${ams}`);
  for (let k = n; k >= 1; k--) {
    const why = await verifySeal(sets.slice(0, k), seals[k - 1] as Map<string, string>, lookup);
    if (why) return fail(`as.${k} ${why}`);
  }
  const sealers = seals.map((t, k) => ({ i: k + 1, sealer: (t?.get('d') ?? '').toLowerCase() })).reverse();
  return {
    result: 'pass',
    sets: sealers,
    newestResults: newest.aar.value.replace(/^\s*i\s*=\s*\d+\s*;/, '').trim(),
    oldestPass: await oldestPass(headers, sets, body, lookup),
  };
}

// RFC 8617 5.2 step 5: the older message signatures, newest to oldest, until one fails; the oldest instance that
// verified, or 0 when every one did (the message is as the first sealer saw it). Only a passing chain gets here, so
// every older sealer's key was fetched for its seal already.
async function oldestPass(headers: HeaderField[], sets: Set[], body: Buffer, lookup: TxtLookup): Promise<number> {
  for (let k = sets.length - 1; k >= 1; k--) if (await verifyAms(headers, (sets[k - 1] as Set).ams, body, lookup)) return k + 1;
  return 0;
}

// Groups the ARC fields into sets 1..N: exactly one of each kind per instance, no gap, at most 50 (RFC 8617 4.2.1).
function collectSets(headers: HeaderField[]): Set[] | string {
  const byI = new Map<number, Partial<Set>>();
  for (const h of headers) {
    const kind = h.name === SEAL ? 'seal' : h.name === AMS ? 'ams' : h.name === AAR ? 'aar' : undefined;
    if (!kind) continue;
    const m = /^\s*i\s*=\s*([0-9]{1,2})\s*(;|$)/.exec(h.value);
    const i = m ? Number(m[1]) : 0;
    if (i < 1 || i > MAX_SETS) return 'bad instance';
    const set = byI.get(i) ?? {};
    if (set[kind]) return `duplicate ${kind} at i=${i}`;
    set[kind] = h;
    byI.set(i, set);
  }
  const out: Set[] = [];
  for (let i = 1; i <= byI.size; i++) {
    const s = byI.get(i);
    if (!s?.seal || !s.ams || !s.aar) return `set ${i} incomplete`;
    out.push(s as Set);
  }
  return out;
}

// The newest ARC-Message-Signature, a DKIM signature in all but name (RFC 8617 4.1.2): undefined when it verifies.
async function verifyAms(headers: HeaderField[], ams: HeaderField, body: Buffer, lookup: TxtLookup): Promise<string | undefined> {
  const t = parseTags(ams.value);
  if (!t) return 'unreadable';
  const [hc = 'simple', bc = 'simple'] = (t.get('c') ?? 'simple/simple').split('/');
  if (!['simple', 'relaxed'].includes(hc) || !['simple', 'relaxed'].includes(bc)) return 'unknown canonicalization';
  const signed = (t.get('h') ?? '').split(':').map((n) => n.trim().toLowerCase());
  if (!signed.length || signed.includes('')) return 'no h=';
  if (signed.includes(SEAL)) return 'signs ARC-Seal';
  const bh = base64Of(t.get('bh') ?? '');
  if (!bh?.length) return 'no bh=';
  let canonical = bc === 'relaxed' ? relaxedBody(body) : simpleBody(body);
  const l = t.get('l');
  if (l !== undefined) {
    if (!/^\d{1,12}$/.test(l) || Number(l) > canonical.length) return 'bad l=';
    canonical = canonical.subarray(0, Number(l));
  }
  if (!createHash('sha256').update(canonical).digest().equals(bh)) return 'body changed';
  const canon = (h: HeaderField, value = h.value) =>
    hc === 'relaxed' ? relaxedHeader(h.name, value) : simpleHeader(h.rawName ?? h.name, value);
  // Each name in h= takes the next field of that name from the bottom; a name with none left adds nothing.
  const used = new Map<string, number>();
  let data = '';
  for (const name of signed) {
    const all = headers.filter((h) => h.name === name);
    const k = (used.get(name) ?? 0) + 1;
    used.set(name, k);
    const h = all[all.length - k];
    if (h) data += canon(h);
  }
  data += canon(ams, withoutSignature(ams.value)).replace(/\r\n$/, '');
  return checkSignature(t, data, lookup);
}

// ARC-Seal k over sets 1..k: each set's AAR, AMS and AS in that order, relaxed, the seal's own b= emptied
// (RFC 8617 5.1.1).
async function verifySeal(sets: Set[], tags: Map<string, string>, lookup: TxtLookup): Promise<string | undefined> {
  let data = '';
  sets.forEach((s, k) => {
    const last = k === sets.length - 1;
    data += relaxedHeader(s.aar.name, s.aar.value) + relaxedHeader(s.ams.name, s.ams.value);
    data += last
      ? relaxedHeader(s.seal.name, withoutSignature(s.seal.value)).replace(/\r\n$/, '')
      : relaxedHeader(s.seal.name, s.seal.value);
  });
  return checkSignature(tags, data, lookup);
}

async function checkSignature(t: Map<string, string>, data: string, lookup: TxtLookup): Promise<string | undefined> {
  const a = t.get('a');
  const d = t.get('d') ?? '';
  const s = t.get('s') ?? '';
  const b = base64Of(t.get('b') ?? '');
  if (a !== 'rsa-sha256' && a !== 'ed25519-sha256') return 'unknown algorithm';
  if (!DOMAIN.test(d) || !DOMAIN.test(s)) return 'bad d= or s=';
  if (!b?.length) return 'no signature';
  const k = await lookupKey(lookup, s, d);
  if ('error' in k) return k.error;
  if ((a === 'rsa-sha256') !== (k.type === 'rsa')) return 'key type mismatch';
  const bytes = Buffer.from(data, 'latin1');
  // RFC 8463: Ed25519 signs the SHA-256 hash of the data.
  const ok = k.type === 'rsa' ? verify('sha256', bytes, k.key, b) : verify(null, createHash('sha256').update(bytes).digest(), k.key, b);
  return ok ? undefined : 'signature does not verify';
}
