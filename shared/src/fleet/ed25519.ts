import type { KeyObject } from 'node:crypto';

// Fleet signatures with Node's own Ed25519 (OpenSSL): the NKEY library signs and verifies in JavaScript (tweetnacl),
// ~60 ms per signature on a loaded 2-core host (bench fleet-learn), paid once per learn message on the publishing
// node and once per message on every receiving node. Same keys, same bytes: Ed25519 signatures are deterministic,
// so a signature made here is the one the NKEY library makes, and nodes of either kind verify each other's.

const crypto = () => process.getBuiltinModule('node:crypto');
// DER headers of an Ed25519 private key (PKCS#8) and public key (SPKI) around the raw 32 bytes (RFC 8410).
const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

// RFC 4648 base32 without padding, as NKEY strings are written.
export function base32Decode(text: string): Buffer {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new Error('not base32');
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

// An NKEY seed (S…: two prefix bytes, the 32-byte Ed25519 seed, CRC-16), already checked by the NKEY library.
export const privateKeyOfSeed = (seed: string): KeyObject =>
  crypto().createPrivateKey({ key: Buffer.concat([PKCS8, base32Decode(seed).subarray(2, 34)]), format: 'der', type: 'pkcs8' });

// An NKEY public key (U…: one prefix byte, the 32-byte key, CRC-16), already checked by the NKEY library.
export const publicKeyOf = (key: string): KeyObject =>
  crypto().createPublicKey({ key: Buffer.concat([SPKI, base32Decode(key).subarray(1, 33)]), format: 'der', type: 'spki' });

export const ed25519Sign = (key: KeyObject, data: Uint8Array): Buffer => crypto().sign(null, data, key);

// False for a wrong signature and for one that is no Ed25519 signature at all (wrong length).
export function ed25519Verify(key: KeyObject, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    return crypto().verify(null, data, key, sig);
  } catch {
    return false;
  }
}
