import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Daemon, startDaemon } from './daemon.ts';
import { eventually } from './net.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const id = (flag: string, name: string) => Number(execFileSync('id', [flag, name]).toString());

export interface SidecarSource {
  // The sidecar's directory name under sidecars/ (its ready event is `<name>.ready`).
  name: string;
  root: string;
  // Its socket directory, made as the image's run script makes it at every start: the sidecar's user writes it,
  // postfix's group may enter it.
  runDir: string;
  user: string;
  env?: Record<string, string>;
  // Runs the command (a test namespace's start); default: on the host.
  launch?: (cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string }) => Daemon;
}

// A milter sidecar as its own process, from its sources (tsx), on a seeded root, until it says it is ready. The bus
// points nowhere (NATS_URL): mail must not depend on it.
export async function startSidecarSource(opts: SidecarSource): Promise<Daemon> {
  mkdirSync(opts.runDir, { recursive: true });
  chownSync(opts.runDir, id('-u', opts.user), id('-g', 'postfix'));
  chmodSync(opts.runDir, 0o750);
  const launch = opts.launch ?? startDaemon;
  const main = `${REPO}sidecars/${opts.name}/src/main.ts`;
  const d = launch(process.execPath, ['--conditions=source', '--import', 'tsx', main], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MTA_ROOT: opts.root, SYSLOG_LEVEL: '7', NATS_URL: 'nats://127.0.0.1:1', ...opts.env },
    cwd: REPO,
  });
  await eventually(
    () => {
      if (d.proc.exitCode !== null) throw new Error(`${opts.name} exited:\n${d.output()}`);
      return d.output().includes(`"${opts.name}.ready"`);
    },
    30_000,
    `${opts.name} ready`,
  );
  return d;
}
