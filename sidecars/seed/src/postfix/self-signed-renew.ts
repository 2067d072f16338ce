import { readFile } from 'node:fs/promises';
import { type Logger, type MtaPaths, writeAtomic } from '@mta/shared';
import { certDnsNames, parseCert, parseKey, pemBlocks } from './pem.ts';
import { generateSelfSigned, RENEW_BEFORE_DAYS } from './self-signed.ts';
import { selfSignedFiles } from './tls-inbound.ts';

// On starts without seeding, a self-signed certificate that expires within RENEW_BEFORE_DAYS is replaced by one
// with the same names and key size. Returns the paths written.
export async function renewSelfSignedIfDue(paths: MtaPaths, now: Date, log: Logger): Promise<string[]> {
  const f = selfSignedFiles(paths.selfSignedDir);
  const chain = await readFile(f.chain, 'utf8').catch(() => undefined);
  if (!chain) return [];
  const blocks = pemBlocks(chain);
  const cert = parseCert(blocks.find((b) => b.kind === 'cert')?.text ?? '');
  const key = parseKey(blocks.find((b) => b.kind === 'key')?.text ?? '');
  if (!cert || !key) return [];
  const left = new Date(cert.validTo).getTime() - now.getTime();
  if (left >= RENEW_BEFORE_DAYS * 86_400_000) return [];
  const names = certDnsNames(cert);
  const pair = generateSelfSigned(names, key.asymmetricKeyDetails?.modulusLength ?? 2048, now);
  await writeAtomic(f.key, pair.keyPem, { mode: 0o600, uid: 0, gid: 0 });
  await writeAtomic(f.cert, pair.certPem, { mode: 0o644, uid: 0, gid: 0 });
  await writeAtomic(f.chain, pair.keyPem + pair.certPem, { mode: 0o600, uid: 0, gid: 0 });
  log.info({ event: 'seed.selfsigned.renewed', domains: names }, 'self-signed certificate renewed');
  return [f.key, f.cert, f.chain];
}
