import { PROBES, readDaemonVersion } from './version.ts';

// The versions of the daemons whose configuration syntax the seed renders for (the effective configuration's
// `facts.daemons`): a daemon that is not installed (mini has no dovecot) is absent.
export interface DaemonVersions {
  postfix?: string;
  dovecot?: string;
}

const FACT_DAEMONS = ['postfix', 'dovecot'] as const;

// Read at run time from the installed programs under root (`/` in the image and in the test roots of other releases).
export async function readDaemonFact(root = '/'): Promise<DaemonVersions> {
  const versions = await Promise.all(
    FACT_DAEMONS.map(async (name) => {
      const probe = PROBES.find((p) => p.name === name);
      return probe && readDaemonVersion(probe, root);
    }),
  );
  // Built in a fixed order, whichever probe answers first: the fact is written into effective.json.
  const out: DaemonVersions = {};
  FACT_DAEMONS.forEach((name, i) => {
    const v = versions[i];
    if (v !== undefined) out[name] = v;
  });
  return out;
}

// The numeric parts of a version's dotted prefix: "2.4.1-4 (7d8c0e5759)" -> [2, 4, 1]; none for "unknown".
const parts = (v: string): number[] => (/^\d+(?:\.\d+)*/.exec(v)?.[0] ?? '').split('.').filter(Boolean).map(Number);

// Whether version is min or later, part by part ("3.10.13" >= "3.7", missing parts count as 0). An absent or
// unreadable version is not: callers then keep the older syntax, the one every release before knew.
export function versionAtLeast(version: string | undefined, min: string): boolean {
  const have = version === undefined ? [] : parts(version);
  if (!have.length) return false;
  const want = parts(min);
  for (let i = 0; i < Math.max(have.length, want.length); i++) {
    const a = have[i] ?? 0;
    const b = want[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

export const dovecotAtLeast = (d: DaemonVersions | undefined, min: string): boolean => versionAtLeast(d?.dovecot, min);
export const postfixAtLeast = (d: DaemonVersions | undefined, min: string): boolean => versionAtLeast(d?.postfix, min);

// Dovecot 2.4 refuses 2.3's configuration (and 2.3 does not know 2.4's): which one to render.
export const isDovecot24 = (d: DaemonVersions | undefined): boolean => dovecotAtLeast(d, '2.4');
export const isPostfix310 = (d: DaemonVersions | undefined): boolean => postfixAtLeast(d, '3.10');

// The configuration language of the installed dovecot: 2.4 renamed most settings, named every passdb/userdb and
// replaced the one-letter %variables; each refuses the other's.
export type DovecotSyntax = '2.3' | '2.4';
export const dovecotSyntax = (d: DaemonVersions | undefined): DovecotSyntax => (isDovecot24(d) ? '2.4' : '2.3');
