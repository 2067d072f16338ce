import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { DAY_MS } from '@mta/shared';
import forge from 'node-forge';
import { certDnsNames, parseCert, parseKey, pemBlocks } from './pem.ts';

// Lifetime of a generated certificate, and how long before expiry it is replaced.
const SELF_SIGNED_DAYS = 365;
export const RENEW_BEFORE_DAYS = 30;

export interface SelfSigned {
  keyPem: string;
  certPem: string;
}

// A fresh RSA key (node:crypto) and a self-signed server certificate for `names` (first = CN), valid from now.
export function generateSelfSigned(names: readonly string[], bits: number, now: Date): SelfSigned {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(now.getTime() - 3_600_000);
  cert.validity.notAfter = new Date(now.getTime() + SELF_SIGNED_DAYS * DAY_MS);
  const subject = [{ name: 'commonName', value: names[0] ?? 'localhost' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { keyPem, certPem: forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n') };
}

// An existing key+cert pair (chain file) is kept when it names exactly `names`, has `bits`, and is not due.
export function reusableSelfSigned(chain: string | undefined, names: readonly string[], bits: number, now: Date): SelfSigned | undefined {
  if (!chain) return undefined;
  const blocks = pemBlocks(chain);
  const keyPem = blocks.find((b) => b.kind === 'key')?.text;
  const certPem = blocks.find((b) => b.kind === 'cert')?.text;
  const key = keyPem ? parseKey(keyPem) : undefined;
  const cert = certPem ? parseCert(certPem) : undefined;
  if (!key || !cert || !keyPem || !certPem || !cert.checkPrivateKey(key)) return undefined;
  if (key.asymmetricKeyDetails?.modulusLength !== bits) return undefined;
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return undefined;
  const have = new Set(certDnsNames(cert));
  if (have.size !== new Set(names).size || names.some((n) => !have.has(n))) return undefined;
  return { keyPem, certPem };
}
