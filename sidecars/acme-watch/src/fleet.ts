import type { CertInfo } from './inspect.ts';
import type { Servable } from './install.ts';
import type { AcmeEntry } from './traefik.ts';

// One certificate in the KV bucket mta-certs (key: main domain). Holds the private key: bucket access must be
// restricted by NATS permissions; nothing of it goes to events or logs.
export interface FleetCert {
  main: string;
  sans: string[];
  resolver: string | null;
  // Leaf first, then intermediates, as acme.json's `certificate`.
  chainPem: string;
  keyPem: string;
  serial: string;
  notAfter: string;
  node: string;
}

// What a node that installed a certificate from acme.json puts into the bucket.
export const toFleetCert = (c: Servable, node: string): FleetCert => ({
  main: c.main,
  sans: c.info.sans,
  resolver: c.resolver ?? null,
  chainPem: c.chainPem,
  keyPem: c.keyPem,
  serial: c.info.serial,
  notAfter: c.info.notAfter,
  node,
});

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

// Reads a bucket value back as an acme.json record, so it goes through the very same checks; undefined when malformed.
// Serial and notAfter come from the certificate itself, never from what the record claims.
export function parseFleetCert(bytes: Uint8Array): (AcmeEntry & { serial: string; notAfter: string; from: string }) | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || !str(v.main) || !str(v.chainPem) || !str(v.keyPem)) return undefined;
  const leafPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(v.chainPem)?.[0];
  let leaf: import('node:crypto').X509Certificate;
  try {
    leaf = new (process.getBuiltinModule('node:crypto').X509Certificate)(leafPem ?? '');
  } catch {
    return undefined;
  }
  const sans = Array.isArray(v.sans) ? v.sans.filter((s): s is string => typeof s === 'string') : [];
  return {
    resolver: str(v.resolver) ? v.resolver : undefined,
    main: v.main,
    sans,
    certPem: v.chainPem,
    keyPem: v.keyPem,
    format: 'v2',
    serial: leaf.serialNumber.toUpperCase(),
    notAfter: new Date(leaf.validTo).toISOString(),
    from: str(v.node) ? v.node : '',
  };
}

// Publish unless the bucket already has this certificate or a later one (several file nodes must not flap).
export function shouldPublish(
  existing: { serial?: unknown; notAfter?: unknown } | undefined,
  ours: Pick<CertInfo, 'serial' | 'notAfter'>,
): boolean {
  if (!existing) return true;
  if (existing.serial === ours.serial) return false;
  const theirs = Date.parse(String(existing.notAfter ?? ''));
  return !(theirs > Date.parse(ours.notAfter));
}
