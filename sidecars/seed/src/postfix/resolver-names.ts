import { type Config, parseHostPort } from '@mta/shared';

// Host names the operator gave the container (directory and database servers, the bus, the LMTP store, relays).
// On a docker network these are often names only docker's resolver knows (`ldap`, `db`, `nats`): the public DNS
// proves they do not exist, so a validating resolver forwarding to docker's would call docker's answer bogus and
// the lookup would fail. The resolver skips validation for exactly these names (unbound `domain-insecure`); every
// other name, the destinations DANE protects among them, is validated.
type NameSource = Partial<
  Pick<Config, 'LDAP_HOST' | 'MYSQL_HOST' | 'SMTPD_SASL_IMAPHOST' | 'NATS_URL' | 'VIRTUAL_TRANSPORT' | 'SMTP_RELAY_SENDER_HOSTAUTH'>
>;

const URL_HOST = /\/\/(?:[^@/\s,]*@)?(\[[^\]]+\]|[^:/\s,]+)/g;
const TRANSPORT_HOST = /^(?:lmtp|smtp):(?:inet:)?(\[[^\]]+\]|[^:\s]+)(?::\d+)?$/;
const NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]*[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9])?)*$/;

const bare = (h: string): string => h.replace(/^\[|\]$/g, '').toLowerCase();
const isName = (h: string): boolean => NAME.test(h) && !/^[\d.]+$/.test(h) && h !== 'localhost';

export function configuredHostNames(c: NameSource): string[] {
  const hosts: string[] = [];
  for (const url of [c.LDAP_HOST ?? '', ...(c.NATS_URL ?? [])]) for (const m of url.matchAll(URL_HOST)) hosts.push(m[1] as string);
  for (const hp of [c.MYSQL_HOST, c.SMTPD_SASL_IMAPHOST, ...(c.SMTP_RELAY_SENDER_HOSTAUTH ?? []).map((r) => r.relayhost)]) {
    const host = hp === undefined ? undefined : parseHostPort(hp)?.host;
    if (host) hosts.push(host);
  }
  const t = TRANSPORT_HOST.exec(c.VIRTUAL_TRANSPORT ?? '');
  if (t?.[1] && t[1] !== 'unix') hosts.push(t[1]);
  return [...new Set(hosts.map(bare).filter(isName))].sort();
}
