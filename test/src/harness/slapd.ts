import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Daemon, startDaemon, whenReady } from './daemon.ts';
import { freePort, waitForPort, waitForPortIn } from './net.ts';

export const LDAP_BASE = 'dc=example,dc=com';
// The lookup account of fixtures/ldap/directory.ldif (the password has a space and a '#' on purpose).
export const LDAP_READER = { dn: `cn=reader,${LDAP_BASE}`, password: 'read#er pw' };
const LDAP_FIXTURE = new URL('../fixtures/ldap/directory.ldif', import.meta.url).pathname;
// The seed's LDAP lookup variables for the fixture's directory (users, aliases, groups and their expansion).
export const LDAP_LOOKUP_ENV = {
  LDAP_USER_BASE: `ou=people,${LDAP_BASE}`,
  LDAP_GROUP_BASE: `ou=groups,${LDAP_BASE}`,
  LDAP_QUERY_FILTER_USER: '(&(objectclass=posixAccount)(mail=%s))',
  LDAP_QUERY_FILTER_ALIAS: '(&(objectclass=inetLocalMailRecipient)(mailLocalAddress=%s))',
  LDAP_QUERY_FILTER_GROUP: '(&(objectclass=posixGroup)(mail=%s))',
  LDAP_QUERY_FILTER_EXPAND: '(&(objectclass=posixAccount)(uid=%s))',
};

export interface Slapd extends Daemon {
  port: number;
  url: string;
}

// Anonymous read of everything but passwords, or (bindRequired) nothing at all until a DN has bound.
function acl(bindRequired: boolean): string {
  const rest = bindRequired ? 'access to * by users read by anonymous auth' : 'access to * by * read';
  return `access to attrs=userPassword by self read by anonymous auth by * none\n${rest}`;
}

// Where a daemon listens: a network namespace (a lab peer) and its address there, on the service's usual port.
export interface ListenIn {
  netns: string;
  host: string;
}

// A real slapd on a loopback port (or on 389 inside a lab peer) with an mdb database in dir, loaded offline from an
// LDIF with slapadd.
export async function startSlapd(dir: string, opts: { bindRequired?: boolean; ldif?: string; listen?: ListenIn } = {}): Promise<Slapd> {
  const db = join(dir, 'ldap-db');
  mkdirSync(db, { recursive: true });
  const conf = join(dir, 'slapd.conf');
  const schemas = ['core', 'cosine', 'nis', 'inetorgperson', 'misc'].map((s) => `include /etc/ldap/schema/${s}.schema`);
  writeFileSync(
    conf,
    [
      ...schemas,
      `pidfile ${join(dir, 'slapd.pid')}`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'database mdb',
      `suffix "${LDAP_BASE}"`,
      `rootdn "cn=admin,${LDAP_BASE}"`,
      `directory ${db}`,
      'maxsize 10485760',
      acl(opts.bindRequired ?? false),
      '',
    ].join('\n'),
  );
  execFileSync('slapadd', ['-f', conf, '-l', opts.ldif ?? LDAP_FIXTURE], { stdio: 'pipe' });
  const port = opts.listen ? 389 : await freePort();
  const url = `ldap://${opts.listen?.host ?? '127.0.0.1'}:${port}`;
  const d = startDaemon('slapd', ['-d', '0', '-f', conf, '-h', `${url}/`], { netns: opts.listen?.netns });
  await whenReady(d, 'slapd', () => (opts.listen ? waitForPortIn(opts.listen.netns, port, opts.listen.host) : waitForPort(port)));
  return { ...d, port, url };
}
