import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DnsRecords } from '../harness/dns.ts';

// The internet of the DMARC tests: client addresses inside the namespace and the domains they send as, with the
// SPF, DMARC and DKIM records the test DNS server serves. Every DKIM key is real (RSA 2048, made per run).
export const SENDER_IP = '192.0.2.10';
export const FORWARDER_IP = '192.0.2.20';

// Signing domains (d=) and the key file of each.
export const SIGNERS = ['pass.example', 'mail.relaxed.example', 'mail.strict.example', 'quar.example'] as const;
export type Signer = (typeof SIGNERS)[number];
export const SELECTOR = 'sel';

const spf = (ip: string) => [`v=spf1 ip4:${ip} -all`];

// ARC sealers (selector `arc`): the list host ARC_TRUSTED_SEALERS names, and one it does not.
export const SEALERS = ['lists.example.org', 'other-list.example'] as const;
export type Sealer = (typeof SEALERS)[number];
export const ARC_SELECTOR = 'arc';

export function world(dir: string): { records: DnsRecords; keyFile: (d: Signer) => string; sealKey: (d: Sealer) => string } {
  const txt: Record<string, string[]> = {
    // Aligned SPF and DKIM; p=reject, so anything that does not pass is refused.
    'pass.example': spf(SENDER_IP),
    '_dmarc.pass.example': ['v=DMARC1; p=reject'],
    // Neither SPF (no address allowed) nor DKIM: fails.
    'reject.example': ['v=spf1 -all'],
    '_dmarc.reject.example': ['v=DMARC1; p=reject'],
    'quar.example': ['v=spf1 -all'],
    '_dmarc.quar.example': ['v=DMARC1; p=quarantine'],
    // No DMARC record at all.
    'none.example': spf(SENDER_IP),
    // The organizational domain asks nothing for itself and reject for its subdomains (sp). Under co.uk, so only
    // the public suffix list tells that the organizational domain of news.mta-dmarc.co.uk is mta-dmarc.co.uk.
    'mta-dmarc.co.uk': ['v=spf1 -all'],
    '_dmarc.mta-dmarc.co.uk': ['v=DMARC1; p=none; sp=reject'],
    'news.mta-dmarc.co.uk': ['v=spf1 -all'],
    // pct=0: the policy applies to no message.
    'pct.example': ['v=spf1 -all'],
    '_dmarc.pct.example': ['v=DMARC1; p=reject; pct=0'],
    // DKIM signed by a subdomain: aligned under relaxed alignment (the default), not under strict (adkim=s).
    'relaxed.example': ['v=spf1 -all'],
    '_dmarc.relaxed.example': ['v=DMARC1; p=reject'],
    'strict.example': ['v=spf1 -all'],
    '_dmarc.strict.example': ['v=DMARC1; p=reject; adkim=s'],
    // Known to break DMARC, listed in DMARC_IGNORE_DOMAINS.
    'ignored.example': ['v=spf1 -all'],
    '_dmarc.ignored.example': ['v=DMARC1; p=reject'],
  };
  for (const d of SIGNERS) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, `${d}.pem`), privateKey.export({ type: 'pkcs1', format: 'pem' }));
    txt[`${SELECTOR}._domainkey.${d}`] = [`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`];
  }
  const sealKeys = new Map<Sealer, string>();
  for (const d of SEALERS) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    sealKeys.set(d, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    txt[`${ARC_SELECTOR}._domainkey.${d}`] = [`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`];
  }
  return { records: { txt }, keyFile: (d) => join(dir, `${d}.pem`), sealKey: (d) => sealKeys.get(d) as string };
}
