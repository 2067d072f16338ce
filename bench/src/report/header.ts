import { cpus } from 'node:os';
import { debianRelease } from '@mta/shared';

// The fields every result starts with: which bench, when, on what. MTA_BENCH_NOTE records the conditions of the run
// (e.g. a machine shared with other work), so a figure is never read without them.
export const resultHeader = (bench: string) => ({
  bench,
  at: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  // Where the daemons of the bench came from: the host's release, or the test root's (bench/src/run.ts).
  debian: debianRelease() ?? 'unknown',
  ...(process.env.MTA_BENCH_NOTE ? { conditions: process.env.MTA_BENCH_NOTE } : {}),
});
