// The `_mta-sts.<domain>` TXT record (RFC 8461 §3.1): "v=STSv1; id=<1-32 alphanumerics>" plus extensions.
export type StsRecord = { kind: 'record'; id: string } | { kind: 'none' } | { kind: 'invalid'; reason: string };

// From every TXT string at the name: records not starting with v=STSv1 are not ours; more than one of ours, or one
// that does not parse, counts as no record (§3.1: "senders MUST assume the domain does not implement MTA-STS").
export function parseStsRecords(texts: readonly string[]): StsRecord {
  const ours = texts.filter((t) => /^v=STSv1\s*(;|$)/.test(t));
  if (!ours.length) return { kind: 'none' };
  if (ours.length > 1) return { kind: 'invalid', reason: 'more than one STSv1 record' };
  const fields = new Map<string, string>();
  for (const part of (ours[0] ?? '').split(';')) {
    const t = part.trim();
    if (t === '') continue;
    const m = /^([A-Za-z0-9_.-]+)=([\x21-\x3a\x3c\x3e-\x7e]*)$/.exec(t);
    if (!m?.[1]) return { kind: 'invalid', reason: 'a field is not key=value' };
    if (!fields.has(m[1])) fields.set(m[1], m[2] ?? '');
  }
  const id = fields.get('id') ?? '';
  if (!/^[A-Za-z0-9]{1,32}$/.test(id)) return { kind: 'invalid', reason: 'id is not 1-32 letters and digits' };
  return { kind: 'record', id };
}
