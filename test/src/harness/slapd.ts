import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Daemon, startDaemon } from './daemon.ts';
import { freePort, waitForPort, waitForPortIn } from './net.ts';

export const LDAP_BASE = 'dc=example,dc=com';
// The lookup account of fixtures/ldap/directory.ldif (the password has a space and a '#' on purpose).
export const LDAP_READER = { dn: `cn=reader,${LDAP_BASE}`, password: 'read#er pw' };
export const LDAP_FIXTURE = new URL('../fixtures/ldap/directory.ldif', import.meta.url).pathname;

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
  try {
    if (opts.listen) await waitForPortIn(opts.listen.netns, port, opts.listen.host);
    else await waitForPort(port);
  } catch (e) {
    await d.stop();
    throw new Error(`slapd did not start: ${(e as Error).message}\n${d.output()}`, { cause: e });
  }
  return { ...d, port, url };
}
