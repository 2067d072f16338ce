import { createPublicKey, type KeyObject } from 'node:crypto';
import { base64Of, parseTags } from './tags.ts';

// A key record's TXT strings (each record joined), 'nxdomain' when the name does not exist; throws on DNS failure.
export type TxtLookup = (name: string) => Promise<string[] | 'nxdomain'>;

export type KeyAnswer = { key: KeyObject; type: 'rsa' | 'ed25519' } | { error: string };

// Ed25519 keys are published as the bare 32 bytes (RFC 8463); node takes them as SubjectPublicKeyInfo.
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const MIN_RSA_BITS = 1024;

// The public key of selector `s` of domain `d` (RFC 6376 3.6.1), or why there is none. `s` and `d` come from the
// message: only domain characters are looked up.
export async function lookupKey(lookup: TxtLookup, s: string, d: string): Promise<KeyAnswer> {
  const name = `${s}._domainkey.${d}`;
  if (!/^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,250}[A-Za-z0-9_])?$/.test(name) || name.includes('..')) return { error: 'bad key name' };
  let txt: string[] | 'nxdomain';
  try {
    txt = await lookup(name);
  } catch {
    return { error: 'key lookup failed' };
  }
  if (txt === 'nxdomain' || txt.length === 0) return { error: 'no key' };
  if (txt.length > 1) return { error: 'more than one key record' };
  const tags = parseTags(txt[0] as string);
  if (!tags) return { error: 'bad key record' };
  if (tags.has('v') && tags.get('v') !== 'DKIM1') return { error: 'bad key record' };
  const k = tags.get('k') ?? 'rsa';
  const p = base64Of(tags.get('p') ?? '');
  if (!p?.length) return { error: 'key revoked' };
  try {
    if (k === 'ed25519') {
      if (p.length !== 32) return { error: 'bad key' };
      return { key: createPublicKey({ key: Buffer.concat([ED25519_SPKI, p]), format: 'der', type: 'spki' }), type: 'ed25519' };
    }
    if (k !== 'rsa') return { error: 'unknown key type' };
    let key: KeyObject;
    try {
      key = createPublicKey({ key: p, format: 'der', type: 'spki' });
    } catch {
      key = createPublicKey({ key: p, format: 'der', type: 'pkcs1' });
    }
    if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) return { error: 'weak key' };
    return { key, type: 'rsa' };
  } catch {
    return { error: 'bad key' };
  }
}
