export interface HookResult {
  command: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  // Last part of stdout+stderr, for the log line when the hook fails.
  outputTail: string;
}

const killGroup = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(-pid, sig);
  } catch {
    // group already gone
  }
};

// Runs ACME_POSTHOOK through sh in its own process group, so a timeout kills the hook and everything it started.
// Never throws: the caller reports the result; the installed certificate stays either way.
export function runHook(command: string, timeoutMs: number, graceMs = 2000): Promise<HookResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let out = '';
    let timedOut = false;
    // node:child_process on first use: most renewals are months apart.
    const child = process
      .getBuiltinModule('node:child_process')
      .spawn('sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      out = (out + d.toString()).slice(-2000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let hard: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      hard = setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), graceMs);
    }, timeoutMs);
    const done = (exitCode: number | null, signal: string | null, extra = '') => {
      clearTimeout(timer);
      if (hard) clearTimeout(hard);
      // Leftovers of a timed-out hook that ignored SIGTERM in a subshell die with the group.
      if (timedOut && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      const durationMs = Math.round(performance.now() - started);
      resolve({ command, exitCode, signal, timedOut, durationMs, outputTail: `${out}${extra}`.trim().slice(-600) });
    };
    child.once('error', (e) => done(null, null, e.message));
    child.once('exit', (code, sig) => done(code, sig));
  });
}

// The hook succeeded: exited 0 in time.
export const hookOk = (r: HookResult): boolean => r.exitCode === 0 && !r.timedOut;
