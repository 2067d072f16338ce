// Host names to look for, in order: HOSTNAME, its domain (${HOSTNAME#*.}), then every MAIL_DOMAIN.
export function wantedNames(hostname: string | undefined, mailDomains: readonly string[] = []): string[] {
  const out: string[] = [];
  const add = (n: string | undefined) => {
    const v = n ? normalize(n) : '';
    if (v && !out.includes(v)) out.push(v);
  };
  add(hostname);
  const dot = hostname?.indexOf('.') ?? -1;
  if (hostname && dot > 0) add(hostname.slice(dot + 1));
  for (const d of mailDomains) add(d);
  return out;
}

const normalize = (n: string): string => n.trim().toLowerCase().replace(/\.$/, '');

// RFC 6125 wildcard: `*.example.com` covers exactly one extra label (mx.example.com), not the apex nor deeper names.
export function nameMatches(pattern: string, name: string): boolean {
  const p = normalize(pattern);
  const n = normalize(name);
  if (!p || !n) return false;
  if (!p.startsWith('*.')) return p === n;
  const suffix = p.slice(1); // ".example.com"
  if (!n.endsWith(suffix)) return false;
  const label = n.slice(0, -suffix.length);
  return label.length > 0 && !label.includes('.');
}
