import { join } from 'node:path';
import type { Logger } from './log.ts';
import { signalDaemon } from './signal.ts';

export type PostfixReload = 'reloaded' | 'not running';

// SIGHUP to the postfix master of this queue directory: what `postfix reload` does, without its ~100 ms of helper
// scripts and without a child process. master.pid is written by the root master in a root-owned directory; a stale
// pid file may name another process by now, so only a root process called `master` is signalled (signalDaemon).
export async function signalPostfixMaster(queueDir: string, signal: NodeJS.Signals = 'SIGHUP', log?: Logger): Promise<PostfixReload> {
  const outcome = await signalDaemon({ pidFiles: [join(queueDir, 'pid/master.pid')], comm: /^master$/, uid: 0 }, signal, log);
  return outcome === 'not running' ? 'not running' : 'reloaded';
}

// main.cf's explicit settings (name -> raw value, continuation lines joined); the last assignment wins, as in
// postfix. Defaults and $name expansion are postfix's business: readers that need them must ask postconf.
export function parseMainCf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let name: string | undefined;
  for (const line of text.split('\n')) {
    if (/^[ \t]+\S/.test(line) && name && !/^\s*#/.test(line)) {
      out[name] = `${out[name]} ${line.trim()}`.trim();
      continue;
    }
    const m = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    name = m?.[1];
    if (m && name) out[name] = (m[2] ?? '').trim();
  }
  return out;
}
