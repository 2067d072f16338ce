import type { Config, Destiny, EnvIssue, RawEnv } from '@mta/shared';

const DESTINIES: readonly Destiny[] = ['D_PASS', 'D_BOUNCE', 'D_REJECT', 'D_DISCARD'];
const CIDR = /^(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|\[?[0-9a-fA-F:]+\]?(\/\d{1,3})?)$/;
const DEFAULT_MYNETWORKS = ['127.0.0.0/8', '[::1]/128'];

// What the content filter needs from the environment, checked again here because the renderer writes Perl:
// a value that slipped past the schema must never reach amavisd.conf.
export interface FilterSettings {
  domains: string[];
  hostname: string;
  destiny: { virus: Destiny; banned: Destiny; spam: Destiny; badHeader: Destiny };
  levels: { tag: number; tag2: number; kill: number };
  logLevel: number;
  saDebug: boolean;
  maxServers: number;
  mynetworks: string[];
}

// amavis children are mostly CPU bound (SpamAssassin) but each also waits on clamd, DNS and the reinjection; two per
// CPU plus one keeps the CPUs busy through those waits (bench/pipeline: 2 CPUs, 3 children 0.76 of the scanners'
// own rate, 5 children 0.84). Capped at 16: every child holds its own copy of SpamAssassin's per-message state.
export const maxServersFor = (cpus: number, override?: number): number => override ?? Math.min(16, 2 * Math.max(1, Math.floor(cpus)) + 1);

// MYNETWORKS is a postfix pass-through; amavis needs the same list to know which clients originate mail.
export function parseMynetworks(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return DEFAULT_MYNETWORKS;
  const list = raw.split(/[\s,]+/).filter(Boolean);
  return list.every((n) => CIDR.test(n)) ? list : undefined;
}

// Collects every problem at once, like the env parser; no settings means nothing may be written.
export function filterSettings(config: Config, env: RawEnv, cpus: number): { settings?: FilterSettings; errors: EnvIssue[] } {
  const errors: EnvIssue[] = [];
  const destiny = (variable: keyof Config): Destiny => {
    const v = config[variable];
    if (typeof v === 'string' && (DESTINIES as readonly string[]).includes(v)) return v as Destiny;
    errors.push({ variable, message: `expected one of ${DESTINIES.join(', ')}` });
    return 'D_PASS';
  };
  const level = (variable: keyof Config): number => {
    const v = config[variable];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    errors.push({ variable, message: 'expected a number (e.g. 6.2)' });
    return 0;
  };
  const settings: FilterSettings = {
    domains: config.MAIL_DOMAIN ?? [],
    hostname: config.HOSTNAME ?? `mail.${config.MAIL_DOMAIN?.[0] ?? 'localdomain'}`,
    destiny: {
      virus: destiny('FINAL_VIRUS_DESTINY'),
      banned: destiny('FINAL_BANNED_DESTINY'),
      spam: destiny('FINAL_SPAM_DESTINY'),
      badHeader: destiny('FINAL_BAD_HEADER_DESTINY'),
    },
    levels: { tag: level('SA_TAG_LEVEL_DEFLT'), tag2: level('SA_TAG2_LEVEL_DEFLT'), kill: level('SA_KILL_LEVEL_DEFLT') },
    logLevel: Number.isInteger(config.LOG_LEVEL) && config.LOG_LEVEL >= 0 && config.LOG_LEVEL <= 5 ? config.LOG_LEVEL : -1,
    saDebug: config.SA_DEBUG === 1,
    maxServers: maxServersFor(cpus, config.AMAVIS_MAX_SERVERS),
    mynetworks: parseMynetworks(env.MYNETWORKS) ?? [],
  };
  if (settings.logLevel < 0) errors.push({ variable: 'LOG_LEVEL', message: 'expected an integer from 0 to 5' });
  if (!settings.domains.length) errors.push({ variable: 'MAIL_DOMAIN', message: 'the content filter needs at least one domain' });
  if (!settings.mynetworks.length)
    errors.push({ variable: 'MYNETWORKS', message: 'expected space separated networks (e.g. 127.0.0.0/8 [::1]/128)' });
  if (!/^[A-Za-z0-9.-]+$/.test(settings.hostname))
    errors.push({ variable: 'HOSTNAME', message: 'expected a host name (letters, digits, dots, dashes)' });
  return errors.length ? { errors } : { settings, errors };
}
