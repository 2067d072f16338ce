import { hostname } from 'node:os';
import { check, integer, invalid, level, oneOf, q, text, words } from '../checks.ts';
import { requiredWhen } from '../rule.ts';
import { ALL, BASE_UP, defineVar, FULL, type RawEnv } from '../spec.ts';
import { oneCredentialKind } from './fleet.ts';

// NATS_URL: one or several server URLs; bare host:port gets nats://.
const natsUrls = check((raw) => {
  const out: string[] = [];
  for (const u of words(raw.replace(/,/g, ' '))) {
    const url = /^[a-z]+:\/\//.test(u) ? u : `nats://${u}`;
    if (!/^(nats|tls|ws|wss):\/\/[^\s/]+\/?$/.test(url)) return invalid(`${q(u)} is not a nats:// or tls:// URL`);
    out.push(url);
  }
  return out.length ? out : invalid('no URL given');
});

// The node name: MTA_NODE, else HOSTNAME, else the machine's host name. The one derivation (the variable's default,
// and what a process says before its environment parsed).
export const nodeOf = (env: RawEnv): string => env.MTA_NODE || env.HOSTNAME || hostname();

export const runtimeVars = {
  SYSLOG_LEVEL: defineVar({
    live: true,
    schema: level(0, 7, 8, 'there is no level above 7 (debug)'),
    topic: 'logging',
    variants: ALL,
    description: 'Log level of every daemon and sidecar: 0 emerg … 5 notice … 7 debug.',
    format: '0-7 (8 is taken as 7)',
    example: '7',
    default: '5',
  }),
  LOG_LEVEL: defineVar({
    schema: level(0, 5, Number.MAX_SAFE_INTEGER, 'amavis logs nothing above level 5'),
    topic: 'logging',
    variants: FULL,
    description: 'amavis log level (shown when SYSLOG_LEVEL=7); higher values are taken as 5 with a warning.',
    format: '0-5 (or higher)',
    example: '2',
    default: '0',
  }),
  ACME_FILE: defineVar({
    live: true,
    schema: text,
    topic: 'acme',
    variants: BASE_UP,
    description: 'Traefik acme.json to take certificates from; watched for changes.',
    format: 'path',
    example: '/acme/acme.json',
    default: '/acme/acme.json',
  }),
  ACME_POSTHOOK: defineVar({
    live: true,
    schema: text,
    topic: 'acme',
    variants: BASE_UP,
    description:
      'Command run after new certificates were installed; empty = none (dovecot is reloaded regardless). The default reloads postfix only when main.cf changed: new certificate files reach it without a reload.',
    format: 'shell command',
    example: 'postfix reload',
    default: 'postfix reload',
    emptyIsValue: true,
  }),
  ACME_RESOLVER: defineVar({
    live: true,
    schema: text,
    topic: 'acme',
    variants: BASE_UP,
    description: 'Only take certificates of this Traefik certificate resolver.',
    format: 'resolver name',
    example: 'letsencrypt',
  }),
  ACME_SOURCE: defineVar({
    live: true,
    schema: oneOf(['file', 'fleet'] as const),
    topic: 'fleet',
    variants: BASE_UP,
    description: 'Where certificates come from: the local ACME_FILE, or the fleet KV bucket.',
    format: 'file | fleet',
    example: 'fleet',
    default: 'file',
  }),
  KOPANO_SPAMD_LIB: defineVar({
    live: true,
    schema: text,
    topic: 'spamd learning',
    variants: FULL,
    description: 'Directory shared with kopano-spamd; files in spam/ and ham/ are learned.',
    format: 'path',
    example: '/var/lib/kopano/spamd',
    default: '/var/lib/kopano/spamd',
  }),
  KOPANO_SPAMD_GID: defineVar({
    live: true,
    schema: integer(1, 4294967294, 'a group number'),
    topic: 'spamd learning',
    variants: FULL,
    description:
      "Group number through which spamd-learn reads kopano-spamd's files and removes learned ones: the group kopano-spamd gives them (its sa_group, as a number). It must not be a group of this image. Unset: the image's own spamd-learn group, which spamd-learn sets on spam/ and ham/ (setgid) at start. spamd-learn never takes the group the folders happen to have.",
    format: 'gid',
    example: '1001',
  }),
  SPAMD_BATCH_MS: defineVar({
    live: true,
    schema: integer(0, 600000, 'an integer'),
    topic: 'spamd learning',
    variants: FULL,
    description: 'How long to collect files before one sa-learn run.',
    format: 'milliseconds',
    example: '1000',
    default: '1000',
  }),
  SPAMD_BATCH_MAX: defineVar({
    live: true,
    schema: integer(1, 100000, 'an integer'),
    topic: 'spamd learning',
    variants: FULL,
    description: 'Most files learned by one sa-learn run.',
    format: 'count',
    example: '200',
    default: '200',
  }),
  SPAMD_STABLE_MS: defineVar({
    live: true,
    schema: integer(100, 60000, 'an integer'),
    topic: 'spamd learning',
    variants: FULL,
    description: 'A dropped file is learned once its size has not changed for this long (it may still be being written).',
    format: 'milliseconds',
    example: '2000',
    default: '2000',
  }),
  DOCKER_UNLOCK_FILE: defineVar({
    live: true,
    schema: text,
    topic: 'seeding',
    variants: ALL,
    description: 'Seeding runs while this file exists (created at build, removed after a successful seed).',
    format: 'path',
    example: '/srv/etc/.docker.unlock',
    default: '/srv/etc/.docker.unlock',
  }),
  FORCE_CONFIG: defineVar({
    live: true,
    schema: text,
    topic: 'seeding',
    variants: ALL,
    description: 'Non-empty: seed again on this start, re-rendering every file from the pristine configuration.',
    format: 'any non-empty string',
    example: 'OVERWRITE',
  }),
  NATS_URL: defineVar({
    live: true,
    schema: natsUrls,
    topic: 'fleet',
    variants: ALL,
    description: 'NATS server(s) of the event bus; several URLs (a cluster) enable fleet mode.',
    format: 'comma separated nats:// or tls:// URLs',
    example: 'nats://nats1:4222,nats://nats2:4222',
    default: 'nats://127.0.0.1:4222',
    // nats://user:password@host and nats://token@host: the credentials part never reaches a log line or `mta status`.
    secretParts: (raw) =>
      [...raw.matchAll(/\/\/([^@/\s,]+)@/g)].flatMap((m) => {
        const info = m[1] ?? '';
        const i = info.indexOf(':');
        return i < 0 ? [info] : [info, info.slice(i + 1)];
      }),
  }),
  MTA_NODE: defineVar({
    schema: text,
    topic: 'fleet',
    variants: ALL,
    description: 'Name of this node in logs, events and the fleet.',
    format: 'string',
    example: 'mx1',
    derive: nodeOf,
    defaultText: 'HOSTNAME',
  }),
  NATS_USER: defineVar({
    live: true,
    schema: text,
    topic: 'fleet',
    variants: ALL,
    description: 'NATS user name.',
    format: 'string',
    example: 'mx1',
    rules: [requiredWhen(['NATS_PASSWORD'], 'NATS_USER')],
  }),
  NATS_PASSWORD: defineVar({
    live: true,
    schema: text,
    topic: 'fleet',
    variants: ALL,
    description: 'NATS password.',
    format: 'string',
    example: 'secret',
    secret: true,
  }),
  NATS_TOKEN: defineVar({
    live: true,
    schema: text,
    topic: 'fleet',
    variants: ALL,
    description: 'NATS token.',
    format: 'string',
    example: 's3cr3t',
    secret: true,
    rules: [oneCredentialKind('NATS_TOKEN')],
  }),
  NATS_CREDS: defineVar({
    live: true,
    schema: text,
    topic: 'fleet',
    variants: ALL,
    description: 'NATS credentials (JWT + nkey seed), usually given as NATS_CREDS__FILE.',
    format: 'creds file content',
    example: '-----BEGIN NATS USER JWT-----…',
    secret: true,
    rules: [oneCredentialKind('NATS_CREDS')],
  }),
};
