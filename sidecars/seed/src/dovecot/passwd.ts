import type { EnvIssue, SaslClient } from '@mta/shared';

// Dovecot passwd-file lines `user:{scheme}password`; a `:` in the password would shift the fields, so it is refused.
export function renderPasswdFile(clients: readonly SaslClient[]): { content: string; errors: EnvIssue[] } {
  const errors: EnvIssue[] = [];
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const { user, password } of clients) {
    if (password.includes(':'))
      errors.push({ variable: 'SMTPD_SASL_CLIENTAUTH', message: `the password of ${JSON.stringify(user)} contains ":"` });
    else if (seen.has(user)) errors.push({ variable: 'SMTPD_SASL_CLIENTAUTH', message: `user ${JSON.stringify(user)} is listed twice` });
    else lines.push(`${user}:${password}`);
    seen.add(user);
  }
  return { content: lines.length ? `${lines.join('\n')}\n` : '', errors };
}
