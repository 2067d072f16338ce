import { type ChildProcess, spawn } from 'node:child_process';

export interface Daemon {
  proc: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

// Starts a foreground daemon (inside a network namespace when `netns` names one; `ip netns exec` execs it, so the
// pid is the daemon's), keeps its output for assertions, stops it with SIGTERM then SIGKILL.
export function startDaemon(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; netns?: string } = {}): Daemon {
  const [file, argv] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, cmd, ...args]] : [cmd, args];
  const proc = spawn(file, argv, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

// Resolves with the started daemon once `ready` resolves; otherwise stops it and throws with its output (and `extra`).
export async function whenReady(d: Daemon, name: string, ready: () => Promise<unknown>, extra: () => string = () => ''): Promise<Daemon> {
  try {
    await ready();
    return d;
  } catch (e) {
    await d.stop();
    throw new Error(`${name} did not start: ${(e as Error).message}\n${d.output()}${extra()}`, { cause: e });
  }
}

// Arguments for `process.execPath` that run a TypeScript file of the repo from its sources (tests, benches, and the
// clients they start inside network namespaces).
export const tsxArgs = (script: string, ...args: string[]): string[] => ['--conditions=source', '--import', 'tsx', script, ...args];
