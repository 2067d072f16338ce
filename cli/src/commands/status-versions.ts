import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '@mta/shared';

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

// "postfix 3.10.13" for each daemon installed under root, asked at run time (all at once: the Perl ones take ~0.5 s);
// "dovecot unknown" when a daemon is there but does not say.
export async function daemonVersions(root = '/'): Promise<string[]> {
  const present = PROBES.flatMap((p) => {
    const bin = p.bins.map((b) => join(root, b)).find(executable);
    return bin ? [{ probe: p, bin }] : [];
  });
  return Promise.all(
    present.map(async ({ probe, bin }) => {
      try {
        const r = await run(bin, probe.args, { timeoutMs: 10_000, okExitCodes: probe.okExitCodes });
        return `${probe.name} ${parseVersion(probe, `${r.stdout}\n${r.stderr}`) ?? 'unknown'}`;
      } catch {
        return `${probe.name} unknown`;
      }
    }),
  );
}

// "13.1 (trixie)": the Debian point release and code name of the root, or undefined outside Debian.
export function debianRelease(root = '/'): string | undefined {
  try {
    const point = readFileSync(join(root, 'etc/debian_version'), 'utf8').trim();
    const name = /^VERSION_CODENAME=(\S+)/m.exec(readFileSync(join(root, 'etc/os-release'), 'utf8'))?.[1];
    return name ? `${point} (${name})` : point;
  } catch {
    return undefined;
  }
}
