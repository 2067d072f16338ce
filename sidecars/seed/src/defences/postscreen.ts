import { setOption } from '../master-cf.ts';
import type { MasterEntry } from '../plan.ts';

const SMTPD_PASS = 'smtpd pass - - n - - smtpd';

// The helper services postscreen needs: DNSBL lookups and STARTTLS for clients it hands on.
export const POSTSCREEN_HELPERS: MasterEntry[] = [
  { service: 'dnsblog', type: 'unix', entry: 'dnsblog unix - - n - 0 dnsblog' },
  { service: 'tlsproxy', type: 'unix', entry: 'tlsproxy unix - - n - 0 tlsproxy' },
];

// postscreen takes port 25 (one process for every connection); the smtpd that was there, with all its -o options
// (the filter's before-queue proxy among them), becomes the `smtpd pass` service postscreen hands clients to.
export function putPostscreenInFront(entries: readonly MasterEntry[]): MasterEntry[] {
  const smtp = entries.find((e) => e.service === 'smtp' && e.type === 'inet' && e.entry);
  if (smtp?.entry.split('\n')[0]?.trim().split(/\s+/)[7] !== 'smtpd') return [...entries];
  const options = smtp.entry.replace(/\n+$/, '').split('\n').slice(1);
  return [
    ...entries.filter((e) => e !== smtp && !(e.service === 'smtpd' && e.type === 'pass')),
    { service: 'smtp', type: 'inet', entry: 'smtp inet n - n - 1 postscreen' },
    { service: 'smtpd', type: 'pass', entry: [SMTPD_PASS, ...options].join('\n') },
  ];
}

// The SASL services (465, 587): a session ends after `failures` errors (failed AUTH among them), and a banned
// client is refused before the SASL restrictions (its AUTH fails anyway: dovecot's deny passdb).
export function limitSaslServices(entries: readonly MasterEntry[], failures: number, bans: string): MasterEntry[] {
  return entries.map((e) => {
    if (e.type !== 'inet' || !e.entry.includes('-o smtpd_sasl_auth_enable=yes')) return e;
    const restrictions = /-o smtpd_client_restrictions=(\S+)/.exec(e.entry)?.[1] ?? 'permit_sasl_authenticated,reject';
    const withBans = restrictions.includes(bans) ? restrictions : `check_client_access,${bans},${restrictions}`;
    return {
      ...e,
      entry: setOption(setOption(e.entry, 'smtpd_hard_error_limit', String(failures)), 'smtpd_client_restrictions', withBans),
    };
  });
}
