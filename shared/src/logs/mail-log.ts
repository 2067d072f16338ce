import { join } from 'node:path';
import { parseAmavis } from './amavis.ts';
import { parseDovecot } from './dovecot.ts';
import type { MailLogEvent } from './events.ts';
import { followLogDirs, type LogFollower } from './follow.ts';
import { splitLine } from './line.ts';
import { parsePostfix } from './postfix.ts';

// The daemons whose log streams runit also keeps in a directory (image/lib/svlog): <logDir>/<daemon>/current.
const LOGGED_DAEMONS = ['postfix', 'dovecot', 'amavis'] as const;
export type LoggedDaemon = (typeof LOGGED_DAEMONS)[number];

// One line of any daemon -> its event, or undefined; `daemon`: the stream it came from (lines that do not name it).
export function parseMailLog(raw: string, daemon?: LoggedDaemon): MailLogEvent | undefined {
  const line = splitLine(raw, daemon);
  if (!line) return undefined;
  if (line.daemon === 'postfix') return parsePostfix(line);
  if (line.daemon.startsWith('amavis')) return parseAmavis(line);
  return parseDovecot(line);
}

export interface MailLogOptions {
  // <logDir>/<daemon>/current, or an explicit directory per daemon (tests).
  logDir?: string;
  dirs?: Partial<Record<LoggedDaemon, string>>;
  daemons: readonly LoggedDaemon[];
  onEvent: (event: MailLogEvent) => void;
  signal: AbortSignal;
  onError?: (err: Error) => void;
}

// Follows the chosen daemons' log directories and hands on what their lines mean. Lines that mean nothing to us
// cost one regex test; the daemons never wait for the reader (svlogd writes whether anyone reads or not).
export function followMailLogs(opts: MailLogOptions): LogFollower {
  const daemonOf = new Map(opts.daemons.map((d) => [opts.dirs?.[d] ?? join(opts.logDir ?? '/run/mta/log', d), d] as const));
  return followLogDirs([...daemonOf.keys()], {
    signal: opts.signal,
    onError: opts.onError,
    onLine: (l, dir) => {
      const e = parseMailLog(l, daemonOf.get(dir));
      if (e) opts.onEvent(e);
    },
  });
}
