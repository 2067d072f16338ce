import { readFile } from 'node:fs/promises';

// The organizational domain (RFC 7489 3.2): the public suffix plus one label, from Debian's public suffix list
// (package publicsuffix, the file OpenDMARC reads too), so both agree on what "outside the domain" means.
export interface SuffixList {
  rules: Set<string>;
  wildcards: Set<string>;
  exceptions: Set<string>;
}

export function parseSuffixList(text: string): SuffixList {
  const list: SuffixList = { rules: new Set(), wildcards: new Set(), exceptions: new Set() };
  for (const raw of text.split('\n')) {
    const rule = raw.trim().split(/\s/)[0]?.toLowerCase() ?? '';
    if (!rule || rule.startsWith('//')) continue;
    if (rule.startsWith('!')) list.exceptions.add(rule.slice(1));
    else if (rule.startsWith('*.')) list.wildcards.add(rule.slice(2));
    else list.rules.add(rule);
  }
  return list;
}

export const loadSuffixList = async (path: string): Promise<SuffixList> => parseSuffixList(await readFile(path, 'utf8'));

// The longest matching rule wins; an exception rule makes its own name the organizational domain; no rule: the
// last label is the suffix ("*").
export function orgDomain(list: SuffixList, domain: string): string {
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
  for (let i = 0; i < labels.length; i++) {
    const name = labels.slice(i).join('.');
    if (list.exceptions.has(name)) return name;
    const parent = labels.slice(i + 1).join('.');
    const suffix = list.rules.has(name) || (i + 1 < labels.length && list.wildcards.has(parent)) ? name : undefined;
    if (suffix) return i === 0 ? domain : labels.slice(i - 1).join('.');
  }
  return labels.slice(-2).join('.');
}
