import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MtaPaths, mtaPaths } from '@mta/shared';
import { type Daemon, eventually, startSidecarSource, type TestNetns } from '../harness/index.ts';

// opendkim and OpenDMARC under runsv with the image's run scripts (image/service/{opendkim,opendmarc}/run), their
// paths moved under the test root: the resolver configuration from resolv.conf, the socket directories, the seed's
// configs; and the arc-milter sidecar (its sources, via tsx) on the seed's settings. Inside the test's namespace, so
// their resolvers ask the test DNS server on 127.0.0.1:53.
export interface Milters {
  // The milter processes (runsv's child; the arc-milter's node), for their pid.
  pid: (name: 'opendkim' | 'opendmarc' | 'arc-milter') => number;
  // What the arc-milter logged (pino JSON lines).
  arcOutput: () => string;
  stop: () => Promise<void>;
}

async function startArcMilter(ns: TestNetns, root: string): Promise<Daemon> {
  return startSidecarSource({ name: 'arc-milter', root, runDir: mtaPaths(root).arcMilterRun, user: 'mta-arc', launch: ns.start });
}

const REPO = new URL('../../../', import.meta.url).pathname;

function runScript(name: string, paths: MtaPaths): string {
  return readFileSync(join(REPO, 'image/service', name, 'run'), 'utf8')
    .replaceAll('/usr/local/lib/mta/', join(REPO, 'image/lib/'))
    .replaceAll('/run/mta/', `${join(paths.logDir, '..')}/`)
    .replaceAll('/etc/postfix/', `${paths.postfixConf}/`)
    .replaceAll('/srv/var/dmarc', paths.dmarcState);
}

async function supervise(ns: TestNetns, paths: MtaPaths, name: 'opendkim' | 'opendmarc', socket: string): Promise<Daemon> {
  const svc = join(paths.serviceDir, name);
  mkdirSync(svc, { recursive: true });
  writeFileSync(join(svc, 'run'), runScript(name, paths), { mode: 0o755 });
  const runsv = ns.start('runsv', [svc]);
  await eventually(() => existsSync(socket), 15_000, `${name} socket`).catch((e: Error) => {
    throw new Error(`${e.message}\n${runsv.output()}`);
  });
  return runsv;
}

export async function startMilters(ns: TestNetns, paths: MtaPaths): Promise<Milters> {
  const arc = await startArcMilter(ns, paths.root);
  const dkim = await supervise(ns, paths, 'opendkim', join(paths.opendkimRun, 'opendkim.sock'));
  const dmarc = await supervise(ns, paths, 'opendmarc', join(paths.opendmarcRun, 'opendmarc.sock'));
  return {
    pid: (name) =>
      name === 'arc-milter' ? (arc.proc.pid as number) : Number(readFileSync(join(paths.serviceDir, name, 'supervise', 'pid'), 'utf8')),
    arcOutput: () => arc.output(),
    stop: async () => {
      await dmarc.stop();
      await dkim.stop();
      await arc.stop();
    },
  };
}
