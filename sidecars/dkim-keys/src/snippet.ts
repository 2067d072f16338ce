import type { KeyId } from '@mta/shared';
import { perlStr } from '@mta/shared';

export interface SnippetKey extends KeyId {
  file: string;
}

const byName = (a: SnippetKey, b: SnippetKey): number =>
  a.domain === b.domain ? a.selector.localeCompare(b.selector) : a.domain.localeCompare(b.domain);

// One signing key per domain: the configured selector when present, else the first by name (stable across runs).
export function signingKeys(keys: readonly SnippetKey[], preferredSelector: string): SnippetKey[] {
  const out = new Map<string, SnippetKey>();
  for (const k of [...keys].sort(byName)) {
    const cur = out.get(k.domain);
    if (!cur || (k.selector === preferredSelector && cur.selector !== preferredSelector)) out.set(k.domain, k);
  }
  return [...out.values()];
}

// amavis conf.d snippet: declares every key, and maps each sender domain to its key so its mail is signed with it.
export function renderAmavisSnippet(keys: readonly SnippetKey[], preferredSelector: string): string {
  const lines = ['# Written by the mta dkim-keys sidecar from the key files; edits here are overwritten.', 'use strict;', ''];
  for (const k of [...keys].sort(byName)) lines.push(`dkim_key(${perlStr(k.domain)}, ${perlStr(k.selector)}, ${perlStr(k.file)});`);
  const sign = signingKeys(keys, preferredSelector);
  lines.push('', '@dkim_signature_options_bysender_maps = ({');
  for (const k of sign)
    lines.push(`  ${perlStr(k.domain)} => { d => ${perlStr(k.domain)}, s => ${perlStr(k.selector)}, a => 'rsa-sha256' },`);
  lines.push('});', '', '1;', '');
  return lines.join('\n');
}
