import type { Resolver } from 'node:dns/promises';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dkimPublicKey, parseKeyFileName, parseTxtRecord, txtFileName } from '@mta/shared';
import type { Families } from './families.ts';

export interface DkimKey {
  domain: string;
  selector: string;
  // p= of the TXT value dkim-keys wrote beside the key (what DNS should publish).
  publicKey?: string;
}

// The keys of the configured domains: the key directory is writable by amavis's uid, so a file for any other
// domain would be a label nobody configured; it is left out.
export async function dkimKeys(dir: string, domains: readonly string[]): Promise<DkimKey[]> {
  const wanted = new Set(domains.map((d) => d.toLowerCase()));
  const out: DkimKey[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const id = parseKeyFileName(name);
    if (!id || !wanted.has(id.domain)) continue;
    const txt = await readFile(join(dir, txtFileName(id)), 'utf8').catch(() => '');
    const value = parseTxtRecord(txt);
    out.push({ ...id, publicKey: value ? dkimPublicKey(value) : undefined });
  }
  return out;
}

// Keys per domain (every scrape) and whether DNS publishes each (refreshed by `checkPublished`).
export function dkimGauges(f: Families, keys: readonly DkimKey[], domains: readonly string[]): void {
  const per = new Map(domains.map((d) => [d.toLowerCase(), 0]));
  for (const k of keys) per.set(k.domain, (per.get(k.domain) ?? 0) + 1);
  f.dkimKeys.replace([...per].map(([domain, n]) => [{ domain }, n]));
}

// Asks DNS for each key's TXT record: 1 the same p=, 0 another or none, -1 DNS not reachable.
export async function checkPublished(f: Families, keys: readonly DkimKey[], resolver?: Resolver): Promise<void> {
  if (!keys.length) return f.dkimPublished.replace([]);
  // node:dns on first use: a server without DKIM keys never loads it.
  const dns = resolver ?? new (process.getBuiltinModule('node:dns').promises.Resolver)({ timeout: 3000, tries: 1 });
  const series: [Record<string, string>, number][] = [];
  for (const k of keys) {
    let v: number;
    try {
      const txt = (await dns.resolveTxt(`${k.selector}._domainkey.${k.domain}`)).map((parts) => parts.join(''));
      v = txt.some((t) => k.publicKey && dkimPublicKey(t) === k.publicKey) ? 1 : 0;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      v = code === 'ENOTFOUND' || code === 'ENODATA' ? 0 : -1;
    }
    series.push([{ domain: k.domain, selector: k.selector }, v]);
  }
  f.dkimPublished.replace(series);
}
