import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MtaPaths, mtaPaths } from '@mta/shared';
import { type Daemon, eventually, type TestNetns } from '../harness/index.ts';

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

const ARC_MAIN = new URL('../../../sidecars/arc-milter/src/main.ts', import.meta.url).pathname;
const id = (flag: string, name: string) => Number(execFileSync('id', [flag, name]).toString());
// The image's user (mta-arc) is made by scripts/install-deps; a test root made before it existed has the sender
// milter's, which serves as well here: the test checks that the milter left root, not which name it took.
const arcUser = (): string => {
  try {
    execFileSync('id', ['-u', 'mta-arc'], { stdio: 'ignore' });
    return 'mta-arc';
  } catch {
    return 'mta-milter';
  }
};

async function startArcMilter(ns: TestNetns, root: string): Promise<Daemon> {
  const paths = mtaPaths(root);
  const settings = JSON.parse(readFileSync(paths.arcMilterConf, 'utf8')) as { user: string };
  const user = arcUser();
  writeFileSync(paths.arcMilterConf, JSON.stringify({ ...settings, user }));
  // As the run script makes it at every start.
  mkdirSync(paths.arcMilterRun, { recursive: true });
  chownSync(paths.arcMilterRun, id('-u', user), id('-g', 'postfix'));
  chmodSync(paths.arcMilterRun, 0o750);
  const d = ns.start(process.execPath, ['--conditions=source', '--import', 'tsx', ARC_MAIN], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MTA_ROOT: root, SYSLOG_LEVEL: '7', NATS_URL: 'nats://127.0.0.1:1' },
    cwd: REPO,
  });
  await eventually(
    () => {
      if (d.proc.exitCode !== null) throw new Error(`arc-milter exited:\n${d.output()}`);
      return d.output().includes('"arc-milter.ready"');
    },
    30_000,
    'arc-milter ready',
  );
  return d;
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
