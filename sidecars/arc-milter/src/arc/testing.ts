import { generateKeyPairSync } from 'node:crypto';
import type { HeaderField } from '@mta/shared';
import type { TxtLookup } from './keys.ts';

// Test helpers: sealers with real keys, and a message cut the way the milter sees it (fields, CRLF body).
export interface TestSealer {
  domain: string;
  selector: string;
  privateKey: string;
  record: string;
}

export function testSealer(domain: string, type: 'rsa' | 'ed25519' = 'rsa'): TestSealer {
  const pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  const der = pair.publicKey.export({ type: 'spki', format: 'der' });
  // Ed25519 records carry the bare 32-byte key (RFC 8463).
  const p = (type === 'rsa' ? der : der.subarray(der.length - 32)).toString('base64');
  return {
    domain,
    selector: 'arc',
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    record: `v=DKIM1; k=${type}; p=${p}`,
  };
}

export const lookupOf =
  (sealers: TestSealer[]): TxtLookup =>
  async (name) => {
    const s = sealers.find((x) => `${x.selector}._domainkey.${x.domain}` === name);
    return s ? [s.record] : 'nxdomain';
  };

// A raw message as the milter gets it: fields (LF inside folded values, as postfix sends them) and the body.
export function split(raw: string): { headers: HeaderField[]; body: Buffer } {
  const at = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, at + 2);
  const headers: HeaderField[] = [];
  for (const f of head.split(/\r\n(?![ \t])/)) {
    if (!f) continue;
    const colon = f.indexOf(':');
    const rawName = f.slice(0, colon);
    headers.push({
      name: rawName.toLowerCase(),
      rawName,
      value: f
        .slice(colon + 1)
        .replace(/^ /, '')
        .replace(/\r\n/g, '\n'),
    });
  }
  return { headers, body: Buffer.from(raw.slice(at + 4), 'latin1') };
}
