import type { RawEnv } from '@mta/shared';

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

// Thrown by commands to end with a specific exit code after printing their own message.
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
