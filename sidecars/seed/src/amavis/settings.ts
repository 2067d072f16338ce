import type { Config, Destiny, EnvIssue } from '@mta/shared';
import { primaryDomain } from '@mta/shared';

const DESTINIES: readonly Destiny[] = ['D_PASS', 'D_BOUNCE', 'D_REJECT', 'D_DISCARD'];

// What the content filter needs from the environment, checked again here because the renderer writes Perl:
// a value that slipped past the schema must never reach amavisd.conf.
export interface FilterSettings {
  domains: string[];
  // amavis's $myhostname: always fully qualified (see amavisHostname).
  hostname: string;
  // Why the hostname is not HOSTNAME itself, for the seed's log; undefined when it is.
  hostnameNote?: string;
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
const maxServersFor = (cpus: number, override?: number): number => override ?? Math.min(16, 2 * Math.max(1, Math.floor(cpus)) + 1);

// amavis refuses to start without a fully qualified $myhostname ("You must explicitly assign a FQDN"), and then
// every message stays deferred. Docker's default host name is the container id, without a domain: amavis then gets
// the name postfix gives itself in that case, HOSTNAME.$mydomain (the primary MAIL_DOMAIN, else localdomain).
function amavisHostname(config: Pick<Config, 'HOSTNAME' | 'MAIL_DOMAIN'>): { hostname: string; note?: string } {
  const host = config.HOSTNAME;
  if (!host) return { hostname: `mail.${primaryDomain(config)}`, note: 'HOSTNAME is empty' };
  if (/[^.]\.[^.]+\.?$/.test(host) || host.toLowerCase() === 'localhost') return { hostname: host };
  const hostname = `${host.replace(/\.$/, '')}.${primaryDomain(config)}`;
  return { hostname, note: `HOSTNAME ${host} is not fully qualified` };
}

// Collects every problem at once, like the env parser; no settings means nothing may be written.
export function filterSettings(config: Config, cpus: number): { settings?: FilterSettings; errors: EnvIssue[] } {
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
  const host = amavisHostname(config);
  const settings: FilterSettings = {
    domains: config.MAIL_DOMAIN ?? [],
    hostname: host.hostname,
    ...(host.note ? { hostnameNote: host.note } : {}),
    destiny: {
      virus: destiny('FINAL_VIRUS_DESTINY'),
      banned: destiny('FINAL_BANNED_DESTINY'),
      spam: destiny('FINAL_SPAM_DESTINY'),
      badHeader: destiny('FINAL_BAD_HEADER_DESTINY'),
    },
    levels: { tag: level('SA_TAG_LEVEL_DEFLT'), tag2: level('SA_TAG2_LEVEL_DEFLT'), kill: level('SA_KILL_LEVEL_DEFLT') },
    logLevel: Number.isInteger(config.LOG_LEVEL) ? config.LOG_LEVEL : 0,
    saDebug: config.SA_DEBUG === 1,
    maxServers: maxServersFor(cpus, config.AMAVIS_MAX_SERVERS),
    mynetworks: config.MYNETWORKS,
  };
  return errors.length ? { errors } : { settings, errors };
}
