import { join } from 'node:path';
import type { MtaPaths } from '@mta/shared';

// Ports of the after-queue filter loop; tests move them to free ports, the image keeps the well-known ones.
export interface FilterPorts {
  // amavis listens here for mail from postfix (inbound and mynetworks).
  amavis: number;
  // amavis listens here for mail from authenticated clients (always treated as originating, so it is DKIM-signed).
  originating: number;
  // postfix's reinjection smtpd: amavis hands scanned mail back here.
  reinject: number;
}
// The conventional amavis loop ports, as in the amavis and postfix documentation.
export const DEFAULT_PORTS: FilterPorts = { amavis: 10024, originating: 10026, reinject: 10025 };

// Every file and directory the content filter uses, derived from the root so tests stay inside a temp dir.
export function filterLayout(paths: MtaPaths) {
  const r = (...p: string[]) => join(paths.root, ...p);
  return {
    amavisConfFile: join(paths.amavisConf, 'amavisd.conf'),
    amavisConfD: join(paths.amavisConf, 'conf.d'),
    // Operator (and test) hook loaded last, so local Perl settings survive re-seeding.
    amavisLocal: join(paths.amavisConf, 'conf.d', '99-mta-local'),
    amavisHome: paths.amavisHome,
    amavisTmp: join(paths.amavisHome, 'tmp'),
    amavisDb: join(paths.amavisHome, 'db'),
    amavisVar: join(paths.amavisHome, 'var'),
    amavisSocket: paths.amavisSocket,
    amavisRun: paths.amavisRun,
    amavisPid: paths.amavisPid,
    amavisLock: paths.amavisLock,
    razorHome: join(paths.amavisHome, '.razor'),
    // When no Razor server answered last (razor-gate.ts): written by amavis in Razor's home.
    razorDown: join(paths.amavisHome, '.razor', 'mta-unreachable'),
    quarantine: paths.quarantine,
    saConfDir: r('etc/spamassassin'),
    saLocalCf: r('etc/spamassassin/local.cf'),
    saRazorGate: r('etc/spamassassin/mta-razor-gate.pm'),
    clamdConfFile: r('etc/clamav/clamd.conf'),
    clamdDb: r('var/lib/clamav'),
    clamdRun: r('run/clamav'),
    clamdSocket: r('run/clamav/clamd.ctl'),
  } as const;
}
// Shared by the renderers and the test harness so both agree on every path.
export type FilterLayout = ReturnType<typeof filterLayout>;
