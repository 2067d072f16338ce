import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '..', '..', '..');

// Bundles sidecars into `outdir`/<name> as the image build does (the build script run as a process, so tests and
// benches never import build scripts); returns each sidecar's entry file by name. No names: every sidecar.
export function bundleSidecars(outdir: string, names: readonly string[] = []): Record<string, string> {
  const out = execFileSync(process.execPath, [join(REPO, 'scripts/bundle-sidecars.mjs'), '--out', outdir, ...names], {
    encoding: 'utf8',
  });
  const entries: Record<string, string> = {};
  for (const m of out.matchAll(/^bundled (.*[\\/]([^\\/]+)[\\/]main\.js)$/gm)) entries[m[2] as string] = m[1] as string;
  return entries;
}

// How image/lib/sidecar starts a bundle (node flags, malloc tuning), for tests and benches that run bundles the same way.
export function launcher(): { nodeFlags: string[]; env: Record<string, string> } {
  const script = readFileSync(join(REPO, 'image/lib/sidecar'), 'utf8');
  const value = (name: string) => new RegExp(`^${name}="([^"]*)"`, 'm').exec(script)?.[1] ?? '';
  return {
    nodeFlags: value('NODE_FLAGS').split(' ').filter(Boolean),
    env: { GLIBC_TUNABLES: value('NODE_MALLOC'), MTA_GLIBC_TUNABLES: process.env.GLIBC_TUNABLES ?? '' },
  };
}
