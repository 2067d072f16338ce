import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import type { MtaPaths } from '@mta/shared';
import { type Daemon, eventually, type TestNetns } from '../harness/index.ts';

// opendkim and OpenDMARC as the image's run scripts start them (image/service/{opendkim,opendmarc}/run): the seed's
// config, in the foreground, the socket directory owned by the milter's user and group postfix, 0750. Inside the
// test's namespace, so their resolvers ask the test DNS server on 127.0.0.1:53.
export interface Milters {
  opendkim: Daemon;
  opendmarc: Daemon;
  stop: () => Promise<void>;
}

// The third field of a user's /etc/passwd line or a group's /etc/group line.
const idOf = (file: string, name: string): number => {
  const id = new RegExp(`^${name}:[^:]*:(\\d+):`, 'm').exec(readFileSync(file, 'utf8'))?.[1];
  if (id === undefined) throw new Error(`${name} is not in ${file}: install opendkim and opendmarc (scripts/install-deps)`);
  return Number(id);
};

function socketDir(dir: string, user: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  chownSync(dir, idOf('/etc/passwd', user), idOf('/etc/group', 'postfix'));
  // The test root is a root-only temp dir: the milters (their own users) must pass through it to their directory.
  for (let d = dirname(dir); d.startsWith(`${tmpdir()}/`); d = dirname(d)) chmodSync(d, statSync(d).mode | 0o001);
}

async function startOne(ns: TestNetns, bin: string, conf: string, dir: string, user: string, socket: string): Promise<Daemon> {
  socketDir(dir, user);
  const d = ns.start(bin, ['-f', bin.endsWith('opendkim') ? '-x' : '-c', conf]);
  await eventually(() => existsSync(socket), 15_000, `${bin} socket`).catch((e: Error) => {
    throw new Error(`${e.message}\n${d.output()}`);
  });
  return d;
}

const UNBOUND_FORWARD = new URL('../../../image/lib/unbound-forward', import.meta.url).pathname;

export async function startMilters(ns: TestNetns, paths: MtaPaths): Promise<Milters> {
  // opendkim's resolver, from the namespace's resolv.conf, by the image's own script.
  const forward = ns.run('sh', [UNBOUND_FORWARD, '/etc/resolv.conf']);
  if (forward.status !== 0) throw new Error(`unbound-forward: ${forward.stderr}`);
  writeFileSync(paths.opendkimResolver, forward.stdout);
  const opendkim = await startOne(
    ns,
    '/usr/sbin/opendkim',
    paths.opendkimConf,
    paths.opendkimRun,
    'opendkim',
    `${paths.opendkimRun}/opendkim.sock`,
  );
  const opendmarc = await startOne(
    ns,
    '/usr/sbin/opendmarc',
    paths.opendmarcConf,
    paths.opendmarcRun,
    'opendmarc',
    `${paths.opendmarcRun}/opendmarc.sock`,
  );
  return {
    opendkim,
    opendmarc,
    stop: async () => {
      await opendmarc.stop();
      await opendkim.stop();
    },
  };
}
