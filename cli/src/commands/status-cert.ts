import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAY_MS, type MtaPaths, run } from '@mta/shared';

const FIRST_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

// The file postfix serves its certificate from: smtpd_tls_chain_files, else smtpd_tls_cert_file.
async function servedFile(paths: MtaPaths): Promise<string | undefined> {
  if (existsSync(join(paths.postfixConf, 'main.cf'))) {
    try {
      const r = await run('postconf', ['-c', paths.postfixConf, '-h', 'smtpd_tls_chain_files', 'smtpd_tls_cert_file'], { timeoutMs: 5000 });
      const [chain = '', cert = ''] = r.stdout.split('\n').map((s) => s.trim());
      const file = (chain.split(/[\s,]+/)[0] ?? '') || cert;
      if (file) return file;
    } catch {
      // fall through to the files we know
    }
  }
  return [join(paths.acmeDir, 'chain.pem'), join(paths.selfSignedDir, 'chain.pem')].find((f) => existsSync(f));
}

function sourceOf(paths: MtaPaths, file: string): string {
  if (file.startsWith(`${paths.acmeDir}/`)) {
    try {
      const s = JSON.parse(readFileSync(join(paths.acmeDir, 'installed.json'), 'utf8')) as { source?: string; resolver?: string | null };
      return `acme ${s.source ?? ''}${s.resolver ? ` (resolver ${s.resolver})` : ''}`.trim();
    } catch {
      return 'acme';
    }
  }
  if (file.startsWith(`${paths.selfSignedDir}/`)) return 'self-signed';
  return `configured file ${file}`;
}

// `mta status` lines about the certificate postfix serves (subject, SANs, notAfter, source); [] when TLS has none.
export async function certificateStatus(paths: MtaPaths, now = new Date()): Promise<string[]> {
  const file = await servedFile(paths);
  if (!file) return [];
  let cert: X509Certificate;
  try {
    // Only the certificate block is parsed; a chain file's key is never printed.
    const pem = FIRST_CERT.exec(readFileSync(file, 'utf8'))?.[0];
    if (!pem) return [`certificate: none in ${file}`];
    cert = new X509Certificate(pem);
  } catch (e) {
    return [`certificate: unreadable ${file} (${(e as Error).message})`];
  }
  const notAfter = new Date(cert.validTo);
  const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  const sans = (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  return [
    `certificate: ${cert.subject.replace(/\n/g, ', ')} (${sourceOf(paths, file)})`,
    `  sans: ${sans.join(' ') || '-'}`,
    `  notAfter: ${notAfter.toISOString()} (${days < 0 ? 'EXPIRED' : `${days} days left`})`,
    `  serial: ${cert.serialNumber.toUpperCase()}`,
  ];
}
