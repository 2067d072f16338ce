import type { FilterLayout } from './layout.ts';

// What differs between the image and a test instance.
export interface ClamdConfOptions {
  layout: FilterLayout;
  // LogFile target; clamd logs to stderr when omitted (runit pipes it to docker logs).
  logFile?: string;
}

// clamd runs as amavis: it must read amavis's private temp files, and one user avoids group juggling in the image.
// Foreground so runit (or a test) supervises it; only the unix socket, never TCP.
export function renderClamdConf(opts: ClamdConfOptions): string {
  const l = opts.layout;
  return [
    '# Rendered by the mta seed.',
    'Foreground yes',
    'User amavis',
    `LocalSocket ${l.clamdSocket}`,
    'LocalSocketMode 660',
    'FixStaleSocket yes',
    `DatabaseDirectory ${l.clamdDb}`,
    `PidFile ${l.clamdRun}/clamd.pid`,
    `TemporaryDirectory ${l.amavisTmp}`,
    opts.logFile ? `LogFile ${opts.logFile}` : 'LogSyslog no',
    'LogTime yes',
    'ScanMail yes',
    'ScanArchive yes',
    'MaxThreads 4',
    // Checks the signature directory for changed files (a read-only volume's updater, or freshclam) and reloads.
    'SelfCheck 600',
    '',
  ].join('\n');
}
