import { readFileSync } from 'node:fs';

// A process's peak resident memory so far (VmHWM), in MB to a tenth; NaN when /proc does not say.
export function peakRssMB(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb ? Number((Number(kb) / 1024).toFixed(1)) : Number.NaN;
}
