// DKIM tag lists (RFC 6376 3.2), as ARC-Seal and ARC-Message-Signature carry them: "tag=value; …". Folding white
// space around tags and values is dropped; a tag named twice makes the list invalid (undefined).
export function parseTags(value: string): Map<string, string> | undefined {
  const tags = new Map<string, string>();
  for (const part of value.split(';')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    const name = part.slice(0, eq).trim();
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || tags.has(name)) return undefined;
    tags.set(name, part.slice(eq + 1).trim());
  }
  return tags;
}

// Base64 values (b=, bh=, p=) may be folded anywhere.
export const base64Of = (v: string): Buffer | undefined => {
  const s = v.replace(/[ \t\r\n]/g, '');
  return /^[A-Za-z0-9+/]*={0,2}$/.test(s) ? Buffer.from(s, 'base64') : undefined;
};

// The field's value with the value of its b= tag emptied, as the signer hashed it (bh= and other tags stay).
export const withoutSignature = (value: string): string => value.replace(/(^|;)([ \t\r\n]*b[ \t\r\n]*=)[^;]*/, '$1$2');
