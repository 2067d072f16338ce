import { check, integer, invalid, q, words } from '../checks.ts';
import { isSet, requiredWhen } from '../rule.ts';
import { ALL, BASE_UP, defineVar, FULL, type VarRule } from '../spec.ts';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

// PEM content (as given through X__FILE): at least one block whose label matches `label`.
const pem = (label: RegExp, what: string) =>
  check((raw) => {
    const blocks = [...raw.matchAll(PEM_BLOCK)].filter((m) => label.test(m[1] ?? ''));
    return blocks.length ? blocks.map((m) => m[0]).join('\n') : invalid(`is not ${what} in PEM form (-----BEGIN …-----)`);
  });

// An NKEY user seed (`nk -gen user`): "SU" + base32. Checked for shape here; the checksum when it is used.
const userSeed = check((raw) => {
  const t = raw.trim();
  return /^SU[A-Z2-7]{56}$/.test(t) ? t : invalid('is not an NKEY user seed (58 characters starting with SU, as `nk -gen user` prints)');
});

// Public NKEYs of the nodes whose fleet entries are accepted, optionally named: "mx1=UABC… mx2=UDEF…".
export interface TrustedKey {
  name: string;
  key: string;
}
const trustList = check((raw) => {
  const out: TrustedKey[] = [];
  for (const w of words(raw.replace(/,/g, ' '))) {
    const [name, key] = w.includes('=') ? (w.split('=', 2) as [string, string]) : ['', w];
    if (!/^U[A-Z2-7]{55}$/.test(key)) return invalid(`${q(w)} is not a public user NKEY (56 characters starting with U)`);
    out.push({ name: name || `${key.slice(0, 8)}…`, key });
  }
  return out;
});

// NATS takes one kind of credentials: set after another (in NATS_CREDENTIALS order), this one is the conflict.
export const NATS_CREDENTIALS = ['NATS_USER', 'NATS_TOKEN', 'NATS_NKEY', 'NATS_CREDS'] as const;
export function oneCredentialKind(self: (typeof NATS_CREDENTIALS)[number]): VarRule {
  const before = NATS_CREDENTIALS.slice(0, NATS_CREDENTIALS.indexOf(self));
  return {
    text: `not together with ${before.join(', ')} (NATS takes one kind of credentials)`,
    check: (c) => {
      const other = before.find((n) => isSet(c, n));
      return other && isSet(c, self) ? `give one kind of NATS credentials, not ${other} and ${self}` : undefined;
    },
  };
}

// Fleet transport (TLS, NKEY) and integrity (node signing keys, trust list, fleet CA) and the learn limits.
export const fleetVars = {
  NATS_NKEY: defineVar({
    live: true,
    schema: userSeed,
    topic: 'fleet',
    variants: ALL,
    description: 'NKEY seed this node authenticates to NATS with (the server lists its public key); usually NATS_NKEY__FILE.',
    format: 'NKEY user seed',
    example: 'SUAOMUQ5EECYFLHVLAH2JNQM3MAL6ZLOHJ467LRRZXQKS2IVBCKQLX44TQ',
    secret: true,
    rules: [oneCredentialKind('NATS_NKEY')],
  }),
  NATS_TLS_CA: defineVar({
    live: true,
    schema: pem(/CERTIFICATE/, 'a CA certificate'),
    topic: 'fleet',
    variants: ALL,
    description: "CA certificate(s) the NATS servers' certificates must chain to (a private CA); usually NATS_TLS_CA__FILE.",
    format: 'PEM',
    example: '-----BEGIN CERTIFICATE-----MIIB…-----END CERTIFICATE-----',
  }),
  NATS_TLS_CERT: defineVar({
    live: true,
    schema: pem(/CERTIFICATE/, 'a certificate'),
    topic: 'fleet',
    variants: ALL,
    description: 'Client certificate presented to NATS (servers with `verify: true`); usually NATS_TLS_CERT__FILE.',
    format: 'PEM',
    example: '-----BEGIN CERTIFICATE-----MIIB…-----END CERTIFICATE-----',
    rules: [requiredWhen(['NATS_TLS_KEY'], 'NATS_TLS_CERT')],
  }),
  NATS_TLS_KEY: defineVar({
    live: true,
    schema: pem(/PRIVATE KEY/, 'a private key'),
    topic: 'fleet',
    variants: ALL,
    description: 'Private key of NATS_TLS_CERT; usually NATS_TLS_KEY__FILE.',
    format: 'PEM',
    example: '-----BEGIN PRIVATE KEY-----MIGH…-----END PRIVATE KEY-----',
    secret: true,
    rules: [requiredWhen(['NATS_TLS_CERT'], 'NATS_TLS_KEY')],
  }),
  MTA_FLEET_KEY: defineVar({
    live: true,
    schema: userSeed,
    topic: 'fleet',
    variants: ALL,
    description:
      "This node's signing key for fleet entries (DKIM keys, certificates, learned messages). Set it to share them; keep it apart from NATS credentials. Usually MTA_FLEET_KEY__FILE.",
    format: 'NKEY user seed',
    example: 'SUACVUEODT5OZYE66KCYYBXXE4VCC7EVD7FAJJGM73AJMLKU4M2JTXU3KM',
    secret: true,
    rules: [
      {
        text: 'required when ACME_SOURCE=fleet (fleet entries are signed)',
        check: (c) =>
          c.ACME_SOURCE === 'fleet' && !isSet(c, 'MTA_FLEET_KEY')
            ? 'required when ACME_SOURCE=fleet (fleet entries are signed)'
            : undefined,
      },
    ],
  }),
  MTA_FLEET_TRUST: defineVar({
    live: true,
    schema: trustList,
    topic: 'fleet',
    variants: ALL,
    description:
      'Public keys of the other nodes (of their MTA_FLEET_KEY) whose fleet entries this node accepts; its own is always trusted.',
    format: 'space or comma separated [name=]public NKEY',
    example: 'mx2=UBLHZWXJEIQAKBBHR5GXQTIROU46BUWYRU2QSXXMKRIOJJK4OOAFRZ47 mx3=UAY5TWUZJ7J4ROAALTH7MNGMIREHP525E3HFTRBLZMB7GRI22VOHCKZN',
  }),
  MTA_FLEET_CA: defineVar({
    live: true,
    schema: pem(/CERTIFICATE/, 'a CA certificate'),
    topic: 'fleet',
    variants: BASE_UP,
    description: 'Extra CA that fleet certificates may chain to (a private PKI), besides the system CAs; usually MTA_FLEET_CA__FILE.',
    format: 'PEM',
    example: '-----BEGIN CERTIFICATE-----MIIB…-----END CERTIFICATE-----',
  }),
  SPAMD_MAX_SIZE: defineVar({
    live: true,
    schema: integer(1024, 64 * 1024 * 1024, 'a size in bytes'),
    topic: 'spamd learning',
    variants: FULL,
    description:
      "Largest message learned (sa-learn --max-size; 500 KB as SpamAssassin's own default) and shared with or taken from the fleet.",
    format: 'bytes',
    example: '4194304',
    default: '512000',
  }),
  MTA_FLEET_OUTBOX_MB: defineVar({
    live: true,
    schema: integer(1, 100_000, 'a size in MB'),
    topic: 'fleet',
    variants: FULL,
    description: 'Most learned messages kept for the fleet while NATS is unreachable (MB); beyond it new ones are not shared.',
    format: 'MB',
    example: '64',
    default: '256',
  }),
};
