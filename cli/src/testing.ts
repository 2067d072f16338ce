import type { RawEnv } from '@mta/shared';
import { runCli } from './program.ts';

// Runs the CLI in-process with the given environment; command tests assert on the exit code and the output.
export async function runCaptured(args: string[], env: RawEnv): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
