import { join } from 'node:path';
import { run } from '@mta/shared';

// Where the check copy logs. Postfix 3.10's postfix command opens maillog_file itself when no postlogd runs (3.7
// opened it only to write a line), and the real value, /dev/stdout, cannot be opened when the seed's stdout is a
// socket (execa's pipes are socketpairs: ENXIO), so the check of every configuration failed. The check copy logs
// to a file of its scratch dir instead, which it can always open; the real main.cf keeps its value (/dev/stdout is
// what `docker logs` shows, through runit's pipe, which opens fine).
export function checkMaillog(checkDir: string): Record<string, string> {
  return { maillog_file: join(checkDir, 'maillog'), maillog_file_prefixes: checkDir };
}

// Postfix's own rule for maillog_file, which the check copy no longer exercises with the real value: it must start
// with one of the maillog_file_prefixes (comma or space separated), or every postfix program refuses to start. Same
// wording as postfix.
export function maillogPrefixProblem(file: string, prefixes: string): string | undefined {
  if (!file) return undefined;
  const allowed = prefixes.split(/[,\s]+/).filter(Boolean);
  if (allowed.some((p) => file.startsWith(p))) return undefined;
  return `maillog_file value '${file}' does not match any prefix in maillog_file_prefixes`;
}

// The rule applied to the real configuration's expanded values ($name references resolved by postconf, which reads
// main.cf without opening any log).
export async function maillogProblem(configDir: string): Promise<string | undefined> {
  const r = await run('postconf', ['-c', configDir, '-xh', 'maillog_file', 'maillog_file_prefixes'], { timeoutMs: 30_000 });
  const [file = '', prefixes = ''] = r.stdout.split('\n');
  return maillogPrefixProblem(file.trim(), prefixes);
}
