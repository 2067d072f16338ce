import { DOVECOT_CLEARTEXT_LINE, DOVECOT_TLS_FILE_LINE, type DovecotSyntax, dovecotTlsLines } from '@mta/shared';

// postfix smtpd_tls_chain_files wants the key first, then leaf and intermediates, in one file.
export function chainFile(keyPem: string, chainPem: string): string {
  return `${keyPem.trim()}\n${chainPem.trim()}\n`;
}

// Points dovecot at our files, keeping every other line of the seed's TLS include (ssl = required, protocols…), in the
// seeded dovecot's syntax (a certificate line of the other syntax is dropped too). A seed without any certificate
// wrote `ssl = no` and may have allowed plaintext logins; with a certificate both flip.
export function dovecotTlsConf(existing: string | undefined, certPath: string, keyPath: string, syntax: DovecotSyntax = '2.3'): string {
  const want = dovecotTlsLines(syntax, certPath, keyPath);
  const lines = (existing ?? '').split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
  const rest = lines
    .filter((l) => !DOVECOT_TLS_FILE_LINE.test(l) && !DOVECOT_CLEARTEXT_LINE.test(l))
    .map((l) => (/^\s*ssl\s*=\s*no\s*$/.test(l) ? 'ssl = yes' : l));
  if (!rest.some((l) => /^\s*ssl\s*=/.test(l))) rest.push('ssl = yes');
  if (!rest.some((l) => /^\s*#.*acme-watch/.test(l))) rest.unshift('# the certificate and key lines are maintained by acme-watch');
  return `${[...rest, ...want].join('\n')}\n`;
}

export interface PostfixTls {
  smtpd_tls_chain_files: string;
  smtpd_tls_cert_file: string;
  smtpd_tls_key_file: string;
  smtpd_tls_eccert_file: string;
  smtpd_tls_eckey_file: string;
  smtpd_tls_security_level: string;
  smtpd_use_tls: string;
  tls_server_sni_maps: string;
}
export const POSTFIX_TLS_PARAMS = [
  'smtpd_tls_chain_files',
  'smtpd_tls_cert_file',
  'smtpd_tls_key_file',
  'smtpd_tls_eccert_file',
  'smtpd_tls_eckey_file',
  'smtpd_tls_security_level',
  'smtpd_use_tls',
  'tls_server_sni_maps',
] as const satisfies readonly (keyof PostfixTls)[];

// postconf -e arguments that make postfix serve chainPath and look SNI names up in sniMap first; [] when it
// already does. The old cert/key parameters must go: postfix would otherwise load both. TLS off (empty level, no
// smtpd_use_tls) becomes `may`. Other SNI tables an operator added stay, after ours.
export function postfixTlsEdits(cur: PostfixTls, chainPath: string, sniMap: string): string[] {
  const edits: string[] = [];
  if (cur.smtpd_tls_chain_files.trim() !== chainPath) edits.push(`smtpd_tls_chain_files=${chainPath}`);
  const maps = cur.tls_server_sni_maps.split(/[\s,]+/).filter(Boolean);
  if (maps[0] !== sniMap) edits.push(`tls_server_sni_maps=${[sniMap, ...maps.filter((m) => m !== sniMap)].join(', ')}`);
  for (const p of ['smtpd_tls_cert_file', 'smtpd_tls_key_file', 'smtpd_tls_eccert_file', 'smtpd_tls_eckey_file'] as const)
    if (cur[p].trim() !== '') edits.push(`${p}=`);
  if (cur.smtpd_tls_security_level.trim() === '' && cur.smtpd_use_tls.trim() !== 'yes') edits.push('smtpd_tls_security_level=may');
  return edits;
}

// Source of postfix's SNI table (built with `postmap -F`, which stores the named file's contents): every name of
// the certificate -> the chain file; a wildcard *.d becomes .d, which postfix's SNI lookup tries for subdomains.
// The digest line differs whenever the chain file does, so the table is rebuilt exactly when the certificate is:
// its rename is what makes running smtpd processes exit before their next connection (no postfix reload).
export function sniTableSource(names: readonly string[], chainPath: string, chainDigest: string): string {
  const keys = [...new Set(names.map((n) => n.toLowerCase().replace(/^\*\./, '.')))];
  return [`# maintained by acme-watch; chain.pem sha256 ${chainDigest}`, ...keys.map((k) => `${k}\t${chainPath}`), ''].join('\n');
}
