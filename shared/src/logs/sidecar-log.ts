import { join } from 'node:path';
import { followLogDirs, type LogFollower } from './follow.ts';

// The sidecars whose JSON lines runit also keeps in <logDir>/<sidecar>/ (image/lib/svlog), for the metrics sidecar:
// what they did is counted there without the NATS client in memory.
const LOGGED_SIDECARS = ['acme-watch', 'spamd-learn', 'sender-milter', 'guard', 'dmarc-reports', 'arc-milter', 'mta-sts'] as const;
export type LoggedSidecar = (typeof LOGGED_SIDECARS)[number];

export interface SidecarLogEvent {
  sidecar: string;
  event: string;
  data: Record<string, unknown>;
}

// One pino JSON line -> its event, or undefined (not JSON, no event field).
function parseSidecarLine(raw: string): SidecarLogEvent | undefined {
  if (!raw.startsWith('{')) return undefined;
  try {
    const data = JSON.parse(raw) as Record<string, unknown>;
    if (typeof data.event !== 'string' || typeof data.sidecar !== 'string') return undefined;
    return { sidecar: data.sidecar, event: data.event, data };
  } catch {
    return undefined;
  }
}

// Follows the chosen sidecars' log directories and hands on their events.
export function followSidecarLogs(opts: {
  logDir: string;
  sidecars: readonly LoggedSidecar[];
  onEvent: (e: SidecarLogEvent) => void;
  signal: AbortSignal;
  onError?: (err: Error) => void;
}): LogFollower {
  return followLogDirs(
    opts.sidecars.map((s) => join(opts.logDir, s)),
    {
      signal: opts.signal,
      onError: opts.onError,
      onLine: (l) => {
        const e = parseSidecarLine(l);
        if (e) opts.onEvent(e);
      },
    },
  );
}
