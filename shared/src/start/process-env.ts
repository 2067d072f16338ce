import { join } from 'node:path';
import { VARS, type VarName } from '../env/schema.ts';
import type { RawEnv } from '../env/spec.ts';
import { shq } from './plan.ts';

// What one process of the image gets from the container's environment. runit starts every service from a clean
// environment (the entrypoint re-executes itself under `env -i` once it has saved the container's variables for the
// entry steps); a sidecar's launcher then adds this process's own file, rendered by the seed from this table.
export interface ProcessNeeds {
  // The non-secret configuration variables (a sidecar parses the whole schema; none of them is a secret).
  config: boolean;
  // The secrets (and secret-bearing values) its job uses: each reaches it as X__FILE naming a file only root reads.
  secrets: readonly VarName[];
}

// Credentials of the event bus: every sidecar publishes events. NATS_URL is listed because it may carry a password.
const BUS: readonly VarName[] = ['NATS_URL', 'NATS_PASSWORD', 'NATS_TOKEN', 'NATS_CREDS', 'NATS_NKEY', 'NATS_TLS_KEY'];
// Signs fleet entries: only the sidecars that publish DKIM keys, certificates, bans, learned messages and MTA-STS policies.
const SIGNER: readonly VarName[] = [...BUS, 'MTA_FLEET_KEY'];
// The daemons read their secrets from files the seed renders (postfix's sasl_passwd, dovecot's passdb, the LDAP and
// SQL maps, amavis's razor identity): their environment carries nothing of the configuration.
const DAEMON: ProcessNeeds = { config: false, secrets: [] };

// Every runit service of the image (image/service/<name>) and what it is started with. The seed itself (an entry
// step) is the one process that sees every variable: its job is to render them.
export const PROCESS_ENV = {
  postfix: DAEMON,
  haproxy: DAEMON,
  dovecot: DAEMON,
  amavis: DAEMON,
  clamd: DAEMON,
  freshclam: DAEMON,
  'sa-update': DAEMON,
  'nats-server': DAEMON,
  // Reads the SRS secret from /srv/var/srs/secret (root's, opened before it drops to postsrsd).
  postsrsd: DAEMON,
  // DKIM and DMARC milters of the port-25 smtpd (DMARC_POLICY): the seed's config files, no secret.
  opendkim: DAEMON,
  opendmarc: DAEMON,
  // DANE's validating resolver (SMTP_DANE): the seed's config file and the forwarders of the entry step, no secret.
  unbound: DAEMON,
  guard: { config: true, secrets: SIGNER },
  'acme-watch': { config: true, secrets: SIGNER },
  'spamd-learn': { config: true, secrets: SIGNER },
  'dkim-keys': { config: true, secrets: [...SIGNER, 'DKIM_PRIVATEKEY'] },
  // metrics only verifies heartbeats: its own node's public key is added to its trust list instead of the seed.
  metrics: { config: true, secrets: BUS },
  'sender-milter': { config: true, secrets: BUS },
  // ARC on port 25: the seed's settings file; publishes its overrides on the bus.
  'arc-milter': { config: true, secrets: BUS },
  // Reads OpenDMARC's history and sends reports through postfix's sendmail; in a fleet it signs its day's records.
  'dmarc-reports': { config: true, secrets: SIGNER },
  // Fleet mode shares the policy cache through the bus (signed entries).
  'mta-sts': { config: true, secrets: SIGNER },
} as const satisfies Record<string, ProcessNeeds>;
export type ProcessName = keyof typeof PROCESS_ENV;
export const isProcessName = (name: string): name is ProcessName => Object.hasOwn(PROCESS_ENV, name);

// The variables every process keeps: a fixed PATH and root's HOME, and the locale, time zone and host name the
// container was given (image/bin/docker-entrypoint keeps the same list for runit itself).
export const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const KEPT_VARS = ['TZ', 'LANG', 'LC_ALL', 'HOSTNAME', 'GLIBC_TUNABLES'] as const;
// Set in every scoped environment: the sidecar knows the seed already checked the rules on the whole environment.
export const PROCESS_MARK = 'MTA_PROCESS';

// The one place that names where a process's secrets and environment live (tmpfs-backed run-time state, re-written
// at every start; the directories are root's alone). `mta config` and the docs refer to these.
export const processEnvDir = (root: string): string => join(root, 'run/mta/env');
export const processEnvFile = (root: string, proc: ProcessName): string => join(processEnvDir(root), proc);
export const secretsDir = (root: string): string => join(root, 'run/mta/secrets');
export const secretFile = (root: string, proc: ProcessName, name: VarName): string => join(secretsDir(root), proc, name);

// Whether this value of a variable is (or carries) a secret: a secret variable, or credentials inside NATS_URL.
export function carriesSecret(name: VarName, value: string): boolean {
  const spec = VARS[name];
  if (value === '') return false;
  return !!spec.secret || (spec.secretParts?.(value).length ?? 0) > 0;
}

export interface ProcessEnv {
  env: Record<string, string>;
  // Files to write before the process starts: mode 0400, root's (every service starts as root).
  files: { path: string; content: string }[];
}

export interface ProcessEnvInput {
  // The container's variables as given (X__FILE unresolved): plain configuration is passed on as it was written.
  raw: RawEnv;
  // The same with every X__FILE read: the value a secret file receives.
  resolved: RawEnv;
  root: string;
  // MTA_NODE=<public key of MTA_FLEET_KEY>, for a process that verifies its own node's heartbeats without the key
  // (added only to a trust list that is given: without one such a process watches no peers at all).
  selfTrust?: string;
}

// The environment and secret files of one process: pure, so the table above is what the tests check.
export function processEnv(proc: ProcessName, i: ProcessEnvInput): ProcessEnv {
  const needs: ProcessNeeds = PROCESS_ENV[proc];
  const env: Record<string, string> = { PATH: BASE_PATH, HOME: '/root', [PROCESS_MARK]: proc };
  for (const k of KEPT_VARS) if (i.raw[k] !== undefined) env[k] = i.raw[k] as string;
  const files: ProcessEnv['files'] = [];
  if (!needs.config) return { env, files };
  for (const name of Object.keys(VARS) as VarName[]) {
    const value = i.resolved[name];
    if (value === undefined) continue;
    if (carriesSecret(name, value)) {
      if (!needs.secrets.includes(name)) continue;
      const path = secretFile(i.root, proc, name);
      files.push({ path, content: value });
      env[`${name}__FILE`] = path;
      continue;
    }
    // Non-secret X__FILE (a CA certificate) stays a path: the sidecar reads it as root, as the seed did.
    const file = i.raw[`${name}__FILE`];
    if (file !== undefined) env[`${name}__FILE`] = file;
    else env[name] = value;
  }
  if (i.selfTrust && !needs.secrets.includes('MTA_FLEET_KEY') && i.resolved.MTA_FLEET_KEY && i.resolved.MTA_FLEET_TRUST) {
    env.MTA_FLEET_TRUST = [i.resolved.MTA_FLEET_TRUST, i.selfTrust].filter(Boolean).join(' ');
    delete env.MTA_FLEET_TRUST__FILE;
  }
  return { env, files };
}

// The environment file image/lib/clean-env sources (in a shell started with `env -i`): one quoting rule.
export function renderProcessEnv(env: Record<string, string>): string {
  const lines = Object.entries(env).map(([k, v]) => `${k}=${shq(v)}`);
  return `# Written by the seed at every container start (shared/src/start/process-env.ts); no secret values.\n${lines.join('\n')}\n`;
}

// The secret variables given as plain values (not X__FILE): every `docker exec` inherits those, whatever runit does.
export function plainSecrets(raw: RawEnv): VarName[] {
  return (Object.keys(VARS) as VarName[]).filter((n) => {
    const v = raw[n];
    return v !== undefined && carriesSecret(n, v);
  });
}
