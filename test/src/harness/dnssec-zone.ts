import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unboundConf } from '@mta/seed/postfix/resolver';
import { type Daemon, whenReady } from './daemon.ts';
import type { TestNetns } from './netns.ts';

// A test zone: its origin (no trailing dot) and its records in zone-file syntax, names relative to the origin
// (`@ MX 10 mx1`, `mx1 A 127.0.0.21`). Signed zones are signed with Debian's ldns tools and get a trust anchor.
export interface TestZone {
  origin: string;
  records: string[];
  signed: boolean;
}

// The port nsd answers on inside the namespace; unbound (port 53, what resolv.conf names) asks it as a stub.
const NSD_PORT = 5300;

// The TLSA "3 1 1" data of a certificate: SHA-256 of its public key (DANE-EE, SPKI), as a server's operator publishes it.
export function tlsa311(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

// Writes the zone file; for a signed zone also a KSK and ZSK (ldns-keygen), the signed file (ldns-signzone) and the
// KSK's DS record, which becomes unbound's trust anchor for it. Returns the file nsd serves and the anchor, if any.
export function writeZone(dir: string, z: TestZone): { file: string; anchor?: string } {
  const file = join(dir, `${z.origin}.zone`);
  const head = [
    `$ORIGIN ${z.origin}.`,
    '$TTL 60',
    `@ SOA ns.${z.origin}. hostmaster.${z.origin}. 1 3600 600 86400 60`,
    `@ NS ns.${z.origin}.`,
    'ns A 127.0.0.1',
  ];
  writeFileSync(file, `${[...head, ...z.records].join('\n')}\n`);
  if (!z.signed) return { file };
  const keygen = (ksk: boolean) =>
    execFileSync('ldns-keygen', ['-a', 'ECDSAP256SHA256', ...(ksk ? ['-k'] : []), z.origin], { cwd: dir, encoding: 'utf8' }).trim();
  const ksk = keygen(true);
  const zsk = keygen(false);
  execFileSync('ldns-signzone', ['-n', file, ksk, zsk], { cwd: dir });
  const ds = readdirSync(dir).find((f) => f === `${ksk}.ds`);
  if (!ds) throw new Error(`ldns-keygen wrote no DS record for ${z.origin}`);
  return { file: `${file}.signed`, anchor: join(dir, ds) };
}

// nsd serving the zones and a validating unbound in front of it on 127.0.0.1:53 of the namespace, trusting each signed
// zone's own anchor and nothing else (no root: the namespace has no internet). An unsigned zone is then insecure
// (no anchor covers it), a signed one secure or, if its data does not match its signatures, bogus.
export async function startDnssecResolver(
  ns: TestNetns,
  dir: string,
  zones: readonly TestZone[],
): Promise<{ stop: () => Promise<void>; unbound: Daemon }> {
  const written = zones.map((z) => ({ z, ...writeZone(dir, z) }));
  const nsdConf = join(dir, 'nsd.conf');
  writeFileSync(
    nsdConf,
    [
      'server:',
      `  ip-address: 127.0.0.1@${NSD_PORT}`,
      `  port: ${NSD_PORT}`,
      '  server-count: 1',
      '  username: ""',
      '  chroot: ""',
      `  zonesdir: "${dir}"`,
      '  database: ""',
      `  pidfile: "${join(dir, 'nsd.pid')}"`,
      `  xfrdfile: "${join(dir, 'xfrd.state')}"`,
      `  zonelistfile: "${join(dir, 'zone.list')}"`,
      `  xfrdir: "${dir}"`,
      '  verbosity: 1',
      'remote-control:',
      '  control-enable: no',
      ...written.flatMap(({ z, file }) => ['zone:', `  name: "${z.origin}"`, `  zonefile: "${file}"`]),
      '',
    ].join('\n'),
  );
  execFileSync('nsd-checkconf', [nsdConf]);
  const nsd = await whenReady(ns.start('nsd', ['-d', '-c', nsdConf]), 'nsd', () => ns.waitForPort(NSD_PORT));
  const unboundFile = join(dir, 'unbound.conf');
  const anchors = written.flatMap(({ anchor }) => (anchor ? [`  trust-anchor-file: "${anchor}"`] : []));
  const stubs = zones.flatMap((z) => ['stub-zone:', `  name: "${z.origin}"`, `  stub-addr: 127.0.0.1@${NSD_PORT}`]);
  // unbound answers the special-use domains (RFC 6761: test., invalid., …) itself unless told not to.
  const local = [...new Set(zones.map((z) => z.origin.split('.').at(-1)))].map((tld) => `  local-zone: "${tld}." nodefault`);
  writeFileSync(unboundFile, unboundConf({ directory: dir, server: [...anchors, ...local], extra: stubs.join('\n') }));
  execFileSync('unbound-checkconf', [unboundFile]);
  let unbound: Daemon;
  try {
    unbound = await whenReady(ns.start('unbound', ['-d', '-p', '-c', unboundFile]), 'unbound', () => ns.waitForPort(53));
  } catch (e) {
    await nsd.stop();
    throw e;
  }
  return {
    unbound,
    stop: async () => {
      await unbound.stop();
      await nsd.stop();
    },
  };
}

// What the namespace's resolver says about a name: the answer's flags line and records (drill, from ldnsutils).
export const drill = (ns: TestNetns, name: string, type: string): string => {
  const r = ns.run('drill', ['-D', name, type, '@127.0.0.1']);
  return `${r.stdout}${r.stderr}`;
};

export const readPem = (path: string): string => readFileSync(path, 'utf8');
