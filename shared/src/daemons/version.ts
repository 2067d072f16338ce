import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { run } from '../exec.ts';

// How a daemon reports its own version: its program (the first that exists under the root), the arguments, and
// where the version stands in what it prints.
export interface VersionProbe {
  name: string;
  bins: readonly string[];
  args: readonly string[];
  version: RegExp;
  // amavisd -V exits 1 after printing its version.
  okExitCodes?: readonly number[];
}

export const PROBES: readonly VersionProbe[] = [
  { name: 'postfix', bins: ['usr/sbin/postconf'], args: ['-d', '-h', 'mail_version'], version: /^(\d\S*)/ },
  { name: 'dovecot', bins: ['usr/sbin/dovecot'], args: ['--version'], version: /^(\d\S*)/ },
  {
    name: 'amavis',
    bins: ['usr/sbin/amavisd', 'usr/sbin/amavisd-new'],
    args: ['-V'],
    version: /^amavis(?:d-new)?-(\d\S*)/m,
    okExitCodes: [1],
  },
  { name: 'SpamAssassin', bins: ['usr/bin/spamassassin'], args: ['--version'], version: /^SpamAssassin version (\d\S*)/m },
  { name: 'ClamAV', bins: ['usr/sbin/clamd'], args: ['--version'], version: /^ClamAV (\d[^\s/]*)/m },
  { name: 'haproxy', bins: ['usr/sbin/haproxy'], args: ['-v'], version: /^HAProxy version (\d\S*)/m },
  { name: 'nats-server', bins: ['usr/sbin/nats-server', 'usr/bin/nats-server'], args: ['--version'], version: /^nats-server: v(\d\S*)/m },
];

// What a daemon that is installed but does not say its version is reported as.
export const UNKNOWN_VERSION = 'unknown';

const executable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

// The version in a probe's output, or undefined when the output does not carry one.
export function parseVersion(probe: VersionProbe, output: string): string | undefined {
  return probe.version.exec(output.trim())?.[1];
}

// The one reader of a daemon's version, asked at run time: undefined when the daemon is not installed under root,
// UNKNOWN_VERSION when it is but does not say.
export async function readDaemonVersion(probe: VersionProbe, root = '/'): Promise<string | undefined> {
  const bin = probe.bins.map((b) => join(root, b)).find(executable);
  if (!bin) return undefined;
  try {
    const r = await run(bin, probe.args, { timeoutMs: 10_000, okExitCodes: probe.okExitCodes });
    return parseVersion(probe, `${r.stdout}\n${r.stderr}`) ?? UNKNOWN_VERSION;
  } catch {
    return UNKNOWN_VERSION;
  }
}

// "postfix 3.10.13" for each daemon installed under root, all asked at once (the Perl ones take ~0.5 s);
// "dovecot unknown" when a daemon is there but does not say.
export async function daemonVersions(root = '/'): Promise<string[]> {
  const found = await Promise.all(PROBES.map(async (p) => [p.name, await readDaemonVersion(p, root)] as const));
  return found.flatMap(([name, v]) => (v === undefined ? [] : [`${name} ${v}`]));
}
