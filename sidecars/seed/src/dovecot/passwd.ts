import type { SaslClient } from '@mta/shared';

// Dovecot passwd-file lines `user:{scheme}password` (the env schema refuses a ":" in a password and repeated users).
export function renderPasswdFile(clients: readonly SaslClient[]): string {
  return clients.map(({ user, password }) => `${user}:${password}\n`).join('');
}
