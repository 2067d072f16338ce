import { ErrorCode, MtaError } from './errors.ts';
import type { Logger } from './log.ts';
import { scrub } from './log.ts';

// A failed command: exit code and the end of stderr, already scrubbed of secrets.
export class ExecError extends MtaError {
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly stderrTail: string,
    reason: string,
  ) {
    super(ErrorCode.Exec, `${command}: ${reason}${stderrTail ? `: ${stderrTail}` : ''}`);
    this.name = 'ExecError';
  }
}

export interface ExecOptions {
  timeoutMs?: number;
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  cwd?: string;
  log?: Logger;
  // Values to hide in the logged command line and in error text (passwords passed as arguments).
  secrets?: readonly string[];
  signal?: AbortSignal;
  // Exit codes that count as success (e.g. postfix `check` returning 1 is still an error; grep's 1 is not).
  okExitCodes?: readonly number[];
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

const tail = (s: string, n = 600): string => (s.length > n ? `…${s.slice(-n)}` : s).trim();

// Runs a program without a shell; logs the redacted command line at debug level and throws ExecError on failure.
export async function run(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const secrets = opts.secrets ?? [];
  const line = scrub([file, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' '), secrets);
  const started = performance.now();
  opts.log?.debug({ cmd: line }, 'exec');
  // Loaded on first use: execa and its dependencies cost a sidecar that never runs a command ~15 MB of memory.
  const { execa } = await import('execa');
  const r = await execa(file, args, {
    reject: false,
    timeout: opts.timeoutMs ?? 60_000,
    input: opts.input,
    env: opts.env,
    cwd: opts.cwd,
    cancelSignal: opts.signal,
    forceKillAfterDelay: 2000,
    stripFinalNewline: true,
  });
  const durationMs = Math.round(performance.now() - started);
  const ok = r.exitCode !== undefined && (r.exitCode === 0 || (opts.okExitCodes ?? []).includes(r.exitCode));
  if (!ok) {
    const reason = r.timedOut
      ? `timed out after ${opts.timeoutMs ?? 60_000} ms`
      : r.isCanceled
        ? 'cancelled'
        : r.exitCode === undefined
          ? r.failed && r.code === 'ENOENT'
            ? 'not found'
            : `killed by ${r.signal ?? 'signal'}`
          : `exit code ${r.exitCode}`;
    throw new ExecError(line, r.exitCode, scrub(tail(String(r.stderr ?? '')), secrets), reason);
  }
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? 0, durationMs };
}
