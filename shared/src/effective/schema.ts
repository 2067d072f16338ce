import * as z from 'zod/mini';
import { VARIANTS } from '../env/spec.ts';

// The effective configuration's format. A reader refuses any other version: the seed of this image writes it, so a
// different one means an image was swapped under a /srv it did not seed, and the next seeding writes it again.
export const EFFECTIVE_VERSION = 1;

// Every path of shared/src/paths.ts under the seeded root; the ones the shell and other processes look up are named.
const paths = z.catchall(
  z.object({
    // Filesystem root every other path lives under (`/` in the image).
    root: z.string(),
    effective: z.string(),
    haproxyConf: z.string(),
    trustedProxies: z.string(),
    amavisRun: z.string(),
    amavisPid: z.string(),
    amavisLock: z.string(),
    dkim: z.string(),
    senderMilterConf: z.string(),
  }),
  z.string(),
);

export const effectiveSchema = z.object({
  version: z.literal(EFFECTIVE_VERSION),
  // When the seed wrote it (ISO time); `upgrade` when it was written for a /srv seeded by an earlier version, from
  // the environment of the first start of this one.
  seededAt: z.string(),
  source: z.enum(['seeding', 'upgrade']),
  variant: z.enum(VARIANTS),
  // The seeded (not live) variables, parsed, without secrets: variable name -> value as the parser returns it.
  config: z.record(z.string(), z.unknown()),
  // The seeded table variables (tables.ts: MAIL_BOXES, MAIL_ALIASES) by entry count and digest; their values are in
  // the root-only tables file (paths.effectiveTables). Absent in a file that holds them inline in `config`.
  tables: z.optional(z.record(z.string(), z.object({ entries: z.int(), sha256: z.string() }))),
  // Secret variables that were set at seeding: names only. A process that needs one reads its own secret file,
  // /run/mta/secrets/<process>/<VAR>; no value is ever written here.
  secrets: z.array(z.string()),
  facts: z.object({
    node: z.string(),
    hostname: z.string(),
    // MAIL_DOMAIN[0], else postfix's own default `localdomain` (the one fallback, see primaryDomain).
    primaryDomain: z.string(),
    domains: z.array(z.string()),
    // Domains amavis signs for (full image): every MAIL_DOMAIN.
    dkimDomains: z.array(z.string()),
    // No domain is local: no mailbox source is configured.
    relayOnly: z.boolean(),
    // What postfix and haproxy were seeded with; the guard never bans either.
    trustedProxies: z.array(z.string()),
    mynetworks: z.array(z.string()),
    // Services that run because seeding wired them, whatever the environment says later.
    services: z.object({ proxyGate: z.boolean(), senderMilter: z.boolean() }),
    // The postfix and dovecot versions installed when seeding rendered their configuration (shared/src/daemons):
    // which syntax the seeded files are in. Absent in a file written before the fact existed, whose dovecot files
    // are in 2.3 syntax (every earlier image was bookworm); an absent daemon (mini's dovecot) is absent here.
    daemons: z.optional(z.object({ postfix: z.optional(z.string()), dovecot: z.optional(z.string()) })),
  }),
  paths,
});

export type Effective = z.infer<typeof effectiveSchema>;
