import { ErrorCode, MtaError, type RawEnv } from '@mta/shared';

// What a command may touch, injected so commands are tested without spawning processes.
export interface CliIo {
  env: RawEnv;
  out: (line: string) => void;
  err: (line: string) => void;
}

export const processIo = (): CliIo => ({
  env: process.env,
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
});

// A command's failure, told on stderr by the command itself (this line, or the lines it printed before): runCli adds
// nothing and exits with the status of its code.
const told = new WeakSet<MtaError>();
export function failure(io: CliIo, code: ErrorCode, line?: string): MtaError {
  if (line !== undefined) io.err(line);
  const e = new MtaError(code, line ?? `failed (${code})`);
  told.add(e);
  return e;
}
export const wasTold = (e: unknown): boolean => e instanceof MtaError && told.has(e);

// The exit status of a failure: 2 when the command could not run as asked (a bad argument, a missing component or an
// unreachable service), 1 when it ran and failed.
export const exitStatus = (code: ErrorCode): number => (code === ErrorCode.Usage || code === ErrorCode.Unavailable ? 2 : 1);
