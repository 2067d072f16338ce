import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';

export interface PemBlock {
  kind: 'key' | 'cert' | 'other';
  text: string;
}

// PEM blocks of a file in order; chain files hold a key followed by its certificate chain.
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)) {
    const label = m[1] ?? '';
    const kind = label.endsWith('PRIVATE KEY') ? 'key' : label === 'CERTIFICATE' ? 'cert' : 'other';
    out.push({ kind, text: `${m[0]}\n` });
  }
  return out;
}

export const parseKey = (pem: string): KeyObject | undefined => {
  try {
    return createPrivateKey(pem);
  } catch {
    return undefined;
  }
};

export const parseCert = (pem: string): X509Certificate | undefined => {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
};

// Why a key/certificate pair is unusable, or undefined when the key belongs to the certificate.
export function pairProblem(keyPem: string | undefined, certPem: string | undefined): string | undefined {
  const key = keyPem ? parseKey(keyPem) : undefined;
  const cert = certPem ? parseCert(certPem) : undefined;
  if (!key) return 'no readable unencrypted PEM private key';
  if (!cert) return 'no readable PEM certificate';
  return cert.checkPrivateKey(key) ? undefined : 'the private key does not belong to the certificate';
}

// DNS names of a certificate's subjectAltName.
export const certDnsNames = (cert: X509Certificate): string[] =>
  (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
