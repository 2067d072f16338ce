import { type DovecotSyntax, dovecotTlsLines } from '@mta/shared';
import type { RenderContext } from '../plan.ts';
import { selfSignedFiles, wantsSelfSigned } from '../postfix/tls-inbound.ts';

export interface TlsFiles {
  cert: string;
  key: string;
}

// The certificate postfix serves, so IMAPS/POP3S present the same one; the same precedence as the postfix renderer.
export function dovecotTlsFiles(ctx: RenderContext): TlsFiles | undefined {
  const { config } = ctx;
  if (config.SMTPD_TLS_CERT_FILE && config.SMTPD_TLS_KEY_FILE) return { cert: config.SMTPD_TLS_CERT_FILE, key: config.SMTPD_TLS_KEY_FILE };
  if (config.SMTPD_TLS_ECCERT_FILE && config.SMTPD_TLS_ECKEY_FILE)
    return { cert: config.SMTPD_TLS_ECCERT_FILE, key: config.SMTPD_TLS_ECKEY_FILE };
  if (config.SMTPD_TLS_DCERT_FILE && config.SMTPD_TLS_DKEY_FILE)
    return { cert: config.SMTPD_TLS_DCERT_FILE, key: config.SMTPD_TLS_DKEY_FILE };
  // Chain files are key first, then the certificate chain (one combined file works for both settings).
  const chain = config.SMTPD_TLS_CHAIN_FILES;
  if (chain?.length) return { key: chain[0]!, cert: chain[1] ?? chain[0]! };
  if (wantsSelfSigned(ctx)) {
    const f = selfSignedFiles(ctx.paths.selfSignedDir);
    return { cert: f.cert, key: f.key };
  }
  return undefined;
}

// The one include naming the TLS files (paths.dovecotTls), in the installed dovecot's syntax; acme-watch rewrites it
// in the same shape and reloads dovecot. Without a certificate dovecot serves nothing over the network (no SASL, no
// mailboxes): ssl stays off, and plaintext logins stay refused (dovecot.conf).
export function renderDovecotTls(files: TlsFiles | undefined, syntax: DovecotSyntax): string {
  const head = '# TLS files of IMAPS/POP3S: written by the mta seed, rewritten by acme-watch.\n';
  if (!files) return `${head}ssl = no\n`;
  return `${head}ssl = yes\n${dovecotTlsLines(syntax, files.cert, files.key).join('\n')}\n`;
}
