import type { KeyObject, X509Certificate } from 'node:crypto';
import type { AcmeEntry } from './traefik.ts';

// node:crypto on first use: acme-watch waiting for Traefik's first certificate idles ~3 MB smaller without it.
const crypto = () => process.getBuiltinModule('node:crypto');

// What we tell logs, events and `mta status` about a certificate: never any key material.
export interface CertInfo {
  subject: string;
  issuer: string;
  serial: string;
  fingerprint: string;
  notBefore: string;
  notAfter: string;
  // DNS names of the subjectAltName extension (falls back to the CN when there is none).
  sans: string[];
}

export interface Inspected {
  entry: AcmeEntry;
  info?: CertInfo;
  leaf?: X509Certificate;
  // Leaf first, then intermediates, each block normalised.
  chainPem?: string;
  keyPem?: string;
  // Why this record cannot be served right now; undefined = valid.
  problem?: string;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

// DNS names from node's "DNS:a, DNS:b, IP Address:…" rendering.
function dnsNames(cert: X509Certificate): string[] {
  const alt = cert.subjectAltName ?? '';
  const names = alt
    .split(/,\s*/)
    .filter((p) => p.startsWith('DNS:'))
    .map((p) => p.slice(4).toLowerCase());
  if (names.length) return names;
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

// Public facts of a certificate, for logs and events.
function certInfo(cert: X509Certificate): CertInfo {
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    serial: cert.serialNumber.toUpperCase(),
    fingerprint: cert.fingerprint256,
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    sans: dnsNames(cert),
  };
}

// Parses and checks one record at `now`: chain parses, key parses and matches, inside its validity window.
export function inspect(entry: AcmeEntry, now: Date): Inspected {
  const blocks = entry.certPem.match(CERT_BLOCK) ?? [];
  if (!blocks.length) return { entry, problem: 'certificate is not a base64 PEM certificate' };
  let leaf: X509Certificate;
  try {
    leaf = new (crypto().X509Certificate)(blocks[0] as string);
    for (const b of blocks.slice(1)) new (crypto().X509Certificate)(b);
  } catch (e) {
    return { entry, problem: `certificate does not parse (${(e as Error).message})` };
  }
  const info = certInfo(leaf);
  const base = { entry, info, leaf, chainPem: `${blocks.join('\n')}\n` };
  let key: KeyObject;
  try {
    key = crypto().createPrivateKey(entry.keyPem);
  } catch {
    return { ...base, problem: 'private key does not parse' };
  }
  if (!leaf.checkPrivateKey(key)) return { ...base, problem: 'private key does not match the certificate' };
  const keyPem = key.export({ format: 'pem', type: 'pkcs8' }).toString();
  if (now.getTime() > Date.parse(info.notAfter)) return { ...base, keyPem, problem: `expired on ${info.notAfter}` };
  if (now.getTime() < Date.parse(info.notBefore)) return { ...base, keyPem, problem: `not valid before ${info.notBefore}` };
  return { ...base, keyPem };
}
