import type { DovecotSyntax } from './daemons/fact.ts';

// The lines naming dovecot's certificate and key, written by the seed and rewritten by acme-watch: 2.3 reads a
// file given as `<path`, 2.4 has settings that take the path itself.
export function dovecotTlsLines(syntax: DovecotSyntax, cert: string, key: string): string[] {
  return syntax === '2.4'
    ? [`ssl_server_cert_file = ${cert}`, `ssl_server_key_file = ${key}`]
    : [`ssl_cert = <${cert}`, `ssl_key = <${key}`];
}

// A certificate or key line of either syntax (a file seeded by a 2.3 image, rewritten for a 2.4 one).
export const DOVECOT_TLS_FILE_LINE = /^\s*(ssl_cert|ssl_key|ssl_server_cert_file|ssl_server_key_file)\s*=/;

// A line that allows logins without TLS, in either syntax: gone once there is a certificate.
export const DOVECOT_CLEARTEXT_LINE = /^\s*(disable_plaintext_auth\s*=\s*no|auth_allow_cleartext\s*=\s*yes)\s*$/;
