import { normalizeIp } from '../ip.ts';
import type { MailLogEvent } from './events.ts';
import type { LogLine } from './line.ts';

// `imap-login: Info: Disconnected (auth failed, 3 attempts in 8 secs): user=<bob>, method=PLAIN, rip=192.0.2.7,
// lip=127.0.0.1, TLS, session=<…>` (2.3.19 also writes `Login aborted: Connection closed (auth failed, …)
// (auth_failed): …`). The count sits in dovecot's own words before the first client text (the user name); the
// client address is the rip= that is followed only by dovecot's own fields up to the end of the line, so a user
// name holding `rip=…` (it comes before) cannot stand in for it.
const AUTH_FAILED = new RegExp(
  [
    String.raw`^(?:Info: )?[A-Z][a-z]+(?:(?:: | )[A-Za-z]+)* \(auth failed, (\d+) attempts? in \d+ secs?\)(?: \([a-z_]+\))?: `,
    String.raw`.*, rip=([0-9A-Fa-f:.]+), lip=[0-9A-Fa-f:.]+(?:, mpid=\d+)?(?:, (?:TLS|secured)[^,<>=]*)?, session=<[\w+/=-]*>$`,
  ].join(''),
);

// One dovecot line -> an event, or undefined.
export function parseDovecot(line: LogLine): MailLogEvent | undefined {
  if (!line.program.endsWith('-login')) return undefined;
  const m = AUTH_FAILED.exec(line.text);
  const ip = m ? normalizeIp(m[2] as string) : undefined;
  if (!m || !ip) return undefined;
  return { kind: 'auth-failed', daemon: 'dovecot', service: line.program.slice(0, -'-login'.length), ip, count: Number(m[1]) };
}
