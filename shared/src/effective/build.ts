import { existsSync } from 'node:fs';
import type { DaemonVersions } from '../daemons/fact.ts';
import type { Config, VarName } from '../env/schema.ts';
import { VARS } from '../env/schema.ts';
import type { Variant } from '../env/spec.ts';
import { mailboxSources } from '../env/uses.ts';
import { mtaPaths } from '../paths.ts';
import { configuredDomain, primaryDomain } from './domain.ts';
import { EFFECTIVE_VERSION, type Effective } from './schema.ts';
import { TABLE_VARS, type TableDigest, type TableList, type TableValues, type TableVar, tableDigests } from './tables.ts';

// Variables that apply only at seeding and may be written down: neither live nor secret.
export const SEEDED_VARS: readonly VarName[] = (Object.keys(VARS) as VarName[]).filter((n) => !VARS[n].live && !VARS[n].secret);

export interface BuildInput {
  config: Config;
  variant: Variant;
  root: string;
  now: Date;
  source: Effective['source'];
  // Whether a seeded file exists (the PROXY gate, the sender milter's settings); tests pass their own.
  exists?: (path: string) => boolean;
  // The installed postfix and dovecot versions (readDaemonFact), when known.
  daemons?: DaemonVersions;
  // The digests of the table variables, when the caller made the tables file already (seededTables).
  tables?: Partial<Record<TableVar, TableDigest>>;
}

// The table variables' values as seeded, for the tables file (tables.ts).
export const seededTables = (config: Config): TableValues =>
  Object.fromEntries(TABLE_VARS.filter((n) => config[n] !== undefined).map((n) => [n, config[n] as TableList]));

// The effective configuration of one seeding: the seeded values (no secret), every fact derived from them, every path.
export function buildEffective(i: BuildInput): Effective {
  const { config } = i;
  const exists = i.exists ?? existsSync;
  const p = mtaPaths(i.root);
  const seeded: Record<string, unknown> = {};
  for (const name of SEEDED_VARS)
    if (config[name] !== undefined && !(TABLE_VARS as readonly string[]).includes(name)) seeded[name] = config[name];
  const domains = config.MAIL_DOMAIN ?? [];
  return {
    version: EFFECTIVE_VERSION,
    seededAt: i.now.toISOString(),
    source: i.source,
    variant: i.variant,
    config: seeded,
    tables: i.tables ?? tableDigests(seededTables(config)).digests,
    secrets: (Object.keys(VARS) as VarName[]).filter((n) => VARS[n].secret && config[n] !== undefined),
    facts: {
      node: config.MTA_NODE,
      hostname: config.HOSTNAME,
      primaryDomain: primaryDomain(config),
      domains: configuredDomain(config) === undefined ? [] : [...domains],
      dkimDomains: i.variant === 'full' ? [...domains] : [],
      relayOnly: mailboxSources(config).length === 0,
      trustedProxies: [...(config.TRUSTED_PROXIES ?? [])],
      mynetworks: [...config.MYNETWORKS],
      services: { proxyGate: exists(p.haproxyConf), senderMilter: exists(p.senderMilterConf) },
      ...(i.daemons && { daemons: { ...i.daemons } }),
    },
    paths: { ...p },
  };
}
