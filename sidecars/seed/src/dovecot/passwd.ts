import type { SaslClient } from '@mta/shared';

// Dovecot passwd-file lines `smtp/user:{scheme}password`: the passdb looks them up as %{service}/%u, so these logins
// authenticate SMTP submission only, never IMAP/POP3 (the env schema refuses a ":" in a password and repeated users).
export function renderPasswdFile(clients: readonly SaslClient[]): string {
  return clients.map(({ user, password }) => `smtp/${user}:${password}\n`).join('');
}
