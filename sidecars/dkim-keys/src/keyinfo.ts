import type { KeyObject } from 'node:crypto';
import { dkimTxtValue, type Outcome } from '@mta/shared';

const MIN_BITS = 1024;

// Everything public about a key: what events, logs, the CLI and the TXT file may show.
export interface KeyInfo {
  bits: number;
  // base64 SPKI DER, the DKIM p= tag.
  publicKey: string;
  // SHA256:<base64> of the SPKI DER, like ssh-keygen -l, to compare keys at a glance.
  fingerprint: string;
  dnsValue: string;
}

// node:crypto on first use: the watching sidecar idles without it when its keys are unchanged (see keycache.ts).
const crypto = () => process.getBuiltinModule('node:crypto');

// Public facts of any RSA public key (from a private key or from a DNS p= tag).
function publicInfo(spkiDer: Buffer, bits: number): KeyInfo {
  const publicKey = spkiDer.toString('base64');
  const fingerprint = `SHA256:${crypto().createHash('sha256').update(spkiDer).digest('base64').replace(/=+$/, '')}`;
  return { bits, publicKey, fingerprint, dnsValue: dkimTxtValue(publicKey) };
}

// A key file's verdict: its public facts, or why amavis could not sign with it.
export type Inspection = Outcome<{ info: KeyInfo }>;

// Parses a PEM private key file as amavis would use it; the reason never quotes the key.
export function inspectKey(pem: string | Buffer): Inspection {
  let key: KeyObject;
  try {
    key = crypto().createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return { ok: false, reason: 'not a PEM private key (or encrypted)' };
  }
  if (key.asymmetricKeyType !== 'rsa') return { ok: false, reason: `a ${key.asymmetricKeyType} key; DKIM here needs RSA` };
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_BITS) return { ok: false, reason: `${bits}-bit RSA key; at least ${MIN_BITS} bits expected` };
  const der = crypto().createPublicKey(key).export({ format: 'der', type: 'spki' });
  return { ok: true, info: publicInfo(der, bits) };
}

// Facts of a DNS p= value, to tell whether what is published matches the key on disk.
export function inspectPublicKey(base64: string): KeyInfo | undefined {
  try {
    const key = crypto().createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
    const der = key.export({ format: 'der', type: 'spki' });
    return publicInfo(der, key.asymmetricKeyDetails?.modulusLength ?? 0);
  } catch {
    return undefined;
  }
}
