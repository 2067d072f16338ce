import type { Outcome } from '../errors.ts';
import { type FleetIdentity, sha256Hex } from './identity.ts';

// A fleet KV value: the body (a PEM key, a certificate record) or a retirement, signed by the node that wrote it.
interface Envelope {
  v: 1;
  op: 'put' | 'retire';
  at: string;
  signer: string;
  sig: string;
  body?: string;
}

// replay: validly signed by a trusted node, but older than what this node applied for the key. untrusted: signed by a
// key this node does not trust (another node may: MTA_FLEET_TRUST lists can differ during a change).
export type Opened = Outcome<
  { op: 'put' | 'retire'; body: Buffer; at: string; signer: string; self: boolean },
  { signer?: string; replay?: true; untrusted?: true }
>;

// Entries signed further ahead than this are refused: a trusted node's wrong clock must not pin a key for years.
const MAX_SKEW_MS = 10 * 60_000;

// Seals a value for `bucket`/`key`; a retirement may carry what it retires (e.g. a certificate's serial).
export function seal(
  id: FleetIdentity,
  bucket: string,
  key: string,
  body?: Uint8Array,
  now = new Date(),
  op: 'put' | 'retire' = body ? 'put' : 'retire',
): Uint8Array {
  const at = now.toISOString();
  const data = body ?? new Uint8Array();
  const env: Envelope = { v: 1, op, at, signer: id.publicKey, sig: id.sign(op, `${bucket}/${key}`, at, sha256Hex(data)) };
  if (body) env.body = Buffer.from(body).toString('base64');
  return new TextEncoder().encode(JSON.stringify(env));
}

// Opens a bucket value: well-formed, signed by a trusted key for exactly this bucket/key, not from the future, and
// not older than `notBefore` (the entry this node last applied for the key: an old signed value replayed later).
export function openEntry(id: FleetIdentity, bucket: string, key: string, bytes: Uint8Array, notBefore?: string, now = new Date()): Opened {
  let e: Partial<Envelope>;
  try {
    e = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<Envelope>;
  } catch {
    return { ok: false, reason: 'not a signed fleet entry' };
  }
  if (
    e?.v !== 1 ||
    (e.op !== 'put' && e.op !== 'retire') ||
    typeof e.at !== 'string' ||
    typeof e.signer !== 'string' ||
    typeof e.sig !== 'string'
  )
    return { ok: false, reason: 'not a signed fleet entry' };
  const body = typeof e.body === 'string' ? Buffer.from(e.body, 'base64') : Buffer.alloc(0);
  if (e.op === 'put' && body.length === 0) return { ok: false, reason: 'signed entry without a body' };
  const v = id.verify(e.signer, e.sig, e.op, `${bucket}/${key}`, e.at, sha256Hex(body));
  if (!v.ok) return { ok: false, reason: v.reason, ...(id.trusts(e.signer) ? {} : { untrusted: true as const }) };
  const at = Date.parse(e.at);
  if (!Number.isFinite(at) || at > now.getTime() + MAX_SKEW_MS)
    return { ok: false, reason: `signed in the future (${e.at})`, signer: v.signer };
  if (notBefore && at < Date.parse(notBefore))
    return { ok: false, reason: `older than the entry applied here (${e.at} < ${notBefore})`, signer: v.signer, replay: true };
  return { ok: true, op: e.op, body, at: e.at, signer: v.signer, self: id.isSelf(e.signer) };
}
