import type { MailLogEvent } from './events.ts';
import type { LogLine } from './line.ts';

// `imap-login: Info: Disconnected: … (auth failed, 3 attempts in 8 secs): user=<bob>, method=PLAIN, rip=192.0.2.7, …`
// (2.3 words it differently across versions; the parenthesis and rip= are stable).
const AUTH_FAILED = /\(auth failed, (\d+) attempts?\b.*\brip=([0-9A-Fa-f.:]+)/;

// One dovecot line -> an event, or undefined.
export function parseDovecot(line: LogLine): MailLogEvent | undefined {
  if (!line.program.endsWith('-login')) return undefined;
  const m = AUTH_FAILED.exec(line.text);
  if (!m) return undefined;
  return {
    kind: 'auth-failed',
    daemon: 'dovecot',
    service: line.program.slice(0, -'-login'.length),
    ip: m[2] as string,
    count: Number(m[1]),
  };
}
