import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir, readNoFollow, writeAtomic } from '@mta/shared';
import { isHostName, parsePolicy, type StsPolicy } from './policy.ts';

// One domain's policy as fetched (or taken from the fleet): the record id it was fetched for, the text as served,
// and when. It is valid until fetchedAt + max_age; the text is parsed again whenever it is read.
export interface CachedPolicy {
  domain: string;
  id: string;
  text: string;
  // ms since the epoch.
  fetchedAt: number;
  // Who fetched it: this node, or a fleet node (its name).
  by: string;
}

export interface PolicyEntry extends CachedPolicy {
  policy: StsPolicy;
}

export const expiresAt = (e: Pick<PolicyEntry, 'fetchedAt' | 'policy'>): number => e.fetchedAt + e.policy.maxAge * 1000;

// A cache entry that is what it claims: a domain name, an id as the TXT record allows, a policy that parses.
export function checkEntry(raw: unknown): PolicyEntry | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.domain !== 'string' || !isHostName(r.domain)) return undefined;
  if (typeof r.id !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(r.id)) return undefined;
  if (typeof r.text !== 'string' || typeof r.fetchedAt !== 'number' || !Number.isFinite(r.fetchedAt)) return undefined;
  const p = parsePolicy(r.text);
  if (!p.ok) return undefined;
  return { domain: r.domain, id: r.id, text: r.text, fetchedAt: r.fetchedAt, by: typeof r.by === 'string' ? r.by : '', policy: p.policy };
}

// The policies on /srv (srv/var/mta-sts/<domain>.json, root 0600, written atomically), so a restart keeps them and
// a DNS or HTTPS outage of the destination does not lose them before their max_age.
export class PolicyCache {
  private readonly mem = new Map<string, PolicyEntry>();

  constructor(private readonly dir: string) {}

  async load(now: number): Promise<number> {
    await ensureDir(this.dir, { mode: 0o700 });
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const path = join(this.dir, name);
      const e = await readNoFollow(path)
        .then((r) => checkEntry(JSON.parse(r.data.toString('utf8'))))
        .catch(() => undefined);
      if (e && `${e.domain}.json` === name && expiresAt(e) > now) this.mem.set(e.domain, e);
      else await unlink(path).catch(() => undefined);
    }
    return this.mem.size;
  }

  get(domain: string): PolicyEntry | undefined {
    return this.mem.get(domain);
  }

  entries(): PolicyEntry[] {
    return [...this.mem.values()];
  }

  async put(e: PolicyEntry): Promise<void> {
    const file: CachedPolicy = { domain: e.domain, id: e.id, text: e.text, fetchedAt: e.fetchedAt, by: e.by };
    await writeAtomic(join(this.dir, `${e.domain}.json`), `${JSON.stringify(file)}\n`, { mode: 0o600 });
    this.mem.set(e.domain, e);
  }

  async drop(domain: string): Promise<void> {
    this.mem.delete(domain);
    await unlink(join(this.dir, `${domain}.json`)).catch(() => undefined);
  }
}
