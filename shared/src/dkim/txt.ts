import { dkimRecordName, type KeyId } from './names.ts';

// RFC 1035 character-strings hold at most 255 octets; longer TXT values are split and joined by resolvers.
export function splitTxt(value: string, max = 255): string[] {
  if (max < 1) throw new RangeError('max must be positive');
  const out: string[] = [];
  for (let i = 0; i < value.length; i += max) out.push(value.slice(i, i + max));
  return out.length ? out : [''];
}

// The DKIM1 TXT value receivers fetch: only the public key, base64 SPKI DER.
export const dkimTxtValue = (publicKeyDerBase64: string): string => `v=DKIM1; k=rsa; p=${publicKeyDerBase64}`;

// Zone-file line(s) ready to paste into a BIND zone; strings kept ≤ 255 chars.
export function renderTxtRecord(k: KeyId, value: string, ttl = 3600): string {
  const strings = splitTxt(value).map((s) => `"${s}"`);
  return `${dkimRecordName(k)}.\t${ttl}\tIN\tTXT\t( ${strings.join('\n\t')} )\n`;
}

// Joins the quoted strings of a zone-file TXT record back into the value (inverse of renderTxtRecord).
export function parseTxtRecord(text: string): string | undefined {
  const body = text.replace(/^\s*;.*$/gm, '');
  const strings = [...body.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1'));
  return strings.length ? strings.join('') : undefined;
}

// The p= tag of a DKIM1 value ('' = revoked key), or undefined when the value is not a DKIM record.
export function dkimPublicKey(value: string): string | undefined {
  const tags = new Map(
    value
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean)
      .map((t) => {
        const i = t.indexOf('=');
        return [t.slice(0, i).trim(), t.slice(i + 1).replace(/\s+/g, '')] as const;
      }),
  );
  const v = tags.get('v');
  if (v !== undefined && v !== 'DKIM1') return undefined;
  return tags.get('p');
}
