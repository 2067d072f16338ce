import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { DAY_MS } from '@mta/shared';
import forge from 'node-forge';

// Test PKI (unit, integration tests and benches; not built into the image) made fresh by every test run: a CA and leaf certificates with chosen names and validity.
export interface TestCa {
  certPem: string;
  key: forge.pki.rsa.PrivateKey;
  cert: forge.pki.Certificate;
}

export interface Issued {
  // Leaf then CA, like Traefik stores the chain.
  chainPem: string;
  certPem: string;
  keyPem: string;
  // Upper-case hex, as node's X509Certificate.serialNumber.
  serial: string;
}

function rsaKey(): { pem: string; forgeKey: forge.pki.rsa.PrivateKey; forgePub: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { pem, forgeKey, forgePub: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

// Positive serial with a non-zero first nibble, so its hex form round-trips through node unchanged.
const newSerial = (): string => `4${randomBytes(10).toString('hex').toUpperCase().slice(1)}`;

export function makeCa(cn = 'mta acme test CA'): TestCa {
  const k = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.forgePub;
  cert.serialNumber = newSerial();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + 365 * DAY_MS);
  const name = [{ name: 'commonName', value: cn }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true },
  ]);
  cert.sign(k.forgeKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), key: k.forgeKey, cert };
}

export interface IssueOptions {
  cn: string;
  // subjectAltName DNS names; defaults to [cn]; [] = no SAN extension at all.
  sans?: string[];
  notBefore?: Date;
  notAfter?: Date;
  // subjectAltName IP addresses (a NATS server on loopback).
  ips?: string[];
  // Also good for TLS client authentication (a NATS client certificate).
  client?: boolean;
}

export function issue(ca: TestCa, opts: IssueOptions): Issued {
  const k = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = k.forgePub;
  const serial = newSerial();
  cert.serialNumber = serial;
  cert.validity.notBefore = opts.notBefore ?? new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = opts.notAfter ?? new Date(Date.now() + 90 * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: opts.cn }]);
  cert.setIssuer(ca.cert.subject.attributes);
  const sans = opts.sans ?? [opts.cn];
  const ext: object[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: !!opts.client },
  ];
  const alt = [...sans.map((value) => ({ type: 2, value })), ...(opts.ips ?? []).map((ip) => ({ type: 7, ip }))];
  if (alt.length) ext.push({ name: 'subjectAltName', altNames: alt });
  cert.setExtensions(ext);
  cert.sign(ca.key, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  return { certPem, chainPem: `${certPem}${ca.certPem}`, keyPem: k.pem, serial };
}

export interface AcmeRecord {
  main: string;
  sans?: string[];
  cert: Issued;
  // Overrides the key (mismatch tests).
  keyPem?: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

// Traefik v1 layout: top-level Account and Certificates with Domain.Main/SANs.
export function acmeV1(records: AcmeRecord[] | null): string {
  return JSON.stringify({
    Account: { Email: 'admin@example.com', Registration: {}, PrivateKey: b64('account-key'), KeyType: '4096' },
    Certificates:
      records?.map((r) => ({
        Domain: { Main: r.main, ...(r.sans ? { SANs: r.sans } : {}) },
        Certificate: b64(r.cert.chainPem),
        Key: b64(r.keyPem ?? r.cert.keyPem),
      })) ?? null,
    HTTPChallenges: {},
    TLSChallenges: {},
  });
}

// Traefik v2/v3 layout: resolver name -> {Account, Certificates[{domain.main/sans, certificate, key, Store}]}.
export function acmeV2(resolvers: Record<string, AcmeRecord[] | null>, version: 'v2' | 'v3' = 'v2'): string {
  const doc: Record<string, unknown> = {};
  for (const [name, records] of Object.entries(resolvers))
    doc[name] = {
      Account: {
        Email: 'admin@example.com',
        Registration: { uri: 'https://acme.test/acct/1' },
        PrivateKey: b64('account-key'),
        KeyType: '4096',
      },
      Certificates:
        records?.map((r) => ({
          domain: { main: r.main, ...(r.sans ? { sans: r.sans } : {}) },
          certificate: b64(r.cert.chainPem),
          key: b64(r.keyPem ?? r.cert.keyPem),
          Store: 'default',
        })) ?? null,
    };
  return JSON.stringify(doc, null, version === 'v3' ? 2 : 0);
}
