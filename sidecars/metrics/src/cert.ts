import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type MtaPaths, parseMainCf } from '@mta/shared';
import type { Families } from './families.ts';

// DER: tag, length (short or long form); returns [start of content, end of content].
function tlv(der: Buffer, at: number): [number, number, number] {
  const tag = der[at] as number;
  let len = der[at + 1] as number;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] as number);
    start += n;
  }
  return [tag, start, start + len];
}

function time(der: Buffer, at: number): number | undefined {
  const [tag, s, e] = tlv(der, at);
  const t = der.toString('latin1', s, e);
  // UTCTime YYMMDDHHMMSSZ, GeneralizedTime YYYYMMDDHHMMSSZ
  const m = tag === 0x17 ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(t) : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(t);
  if (!m) return undefined;
  const y = Number(m[1]);
  const year = tag === 0x17 ? (y < 50 ? 2000 + y : 1900 + y) : y;
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

// notAfter of the first certificate of a PEM text, read from the DER directly: the sidecar never needs node:crypto
// (~3 MB of resident memory) for one date.
export function notAfter(pem: string): number | undefined {
  const b64 = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)?.[1];
  if (!b64) return undefined;
  try {
    const der = Buffer.from(b64.replace(/\s+/g, ''), 'base64');
    const [, certStart] = tlv(der, 0); // Certificate
    const [, tbsStart, tbsEnd] = tlv(der, certStart); // TBSCertificate
    let at = tbsStart;
    if (der[at] === 0xa0) at = tlv(der, at)[2]; // [0] version
    for (let i = 0; i < 3 && at < tbsEnd; i++) at = tlv(der, at)[2]; // serial, signature, issuer
    const [, vStart] = tlv(der, at); // Validity
    return time(der, tlv(der, vStart)[2]);
  } catch {
    return undefined;
  }
}

// The file postfix serves its certificate from: the first of smtpd_tls_chain_files, else smtpd_tls_cert_file.
async function servedCertFile(paths: MtaPaths): Promise<string | undefined> {
  const main = parseMainCf(await readFile(join(paths.postfixConf, 'main.cf'), 'utf8').catch(() => ''));
  const chain = (main.smtpd_tls_chain_files ?? '').split(/[\s,]+/).find(Boolean);
  return chain || main.smtpd_tls_cert_file || undefined;
}

let cached: { file: string; mtimeMs: number; ino: number; notAfter?: number } | undefined;

// Time to expiry, notAfter and the last change of the served certificate; no series without TLS.
export async function certGauges(f: Families, paths: MtaPaths, now: number): Promise<void> {
  const file = await servedCertFile(paths);
  const st = file ? await stat(file).catch(() => undefined) : undefined;
  if (!file || !st) {
    for (const g of [f.certExpiry, f.certNotAfter, f.certRotated]) g.replace([]);
    return;
  }
  if (cached?.file !== file || cached.mtimeMs !== st.mtimeMs || cached.ino !== st.ino)
    cached = { file, mtimeMs: st.mtimeMs, ino: st.ino, notAfter: notAfter(await readFile(file, 'utf8').catch(() => '')) };
  f.certRotated.set({}, Math.round(st.mtimeMs / 1000));
  if (cached.notAfter === undefined) return;
  f.certNotAfter.set({}, Math.round(cached.notAfter / 1000));
  f.certExpiry.set({}, Math.round((cached.notAfter - now) / 1000));
}
