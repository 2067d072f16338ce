import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type PostfixReload = 'reloaded' | 'not running';

// SIGHUP to the postfix master of this queue directory: what `postfix reload` does, without its ~100 ms of helper
// scripts and without a child process. master.pid is written by the root master in a root-owned directory; a stale
// pid file may name another process by now, so only a process called `master` is signalled.
export async function signalPostfixMaster(queueDir: string, signal: NodeJS.Signals = 'SIGHUP'): Promise<PostfixReload> {
  const pid = Number((await readFile(join(queueDir, 'pid/master.pid'), 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return 'not running';
  const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
  if (comm.trim() !== 'master') return 'not running';
  try {
    process.kill(pid, signal);
    return 'reloaded';
  } catch {
    return 'not running';
  }
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
