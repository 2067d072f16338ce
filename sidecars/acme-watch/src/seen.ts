import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileStamp, type Logger, writeIfChanged } from '@mta/shared';
import { type Targets, targetFiles } from './install.ts';

// acme.json's stamp when it was last handled, and the stamps of what that pass left installed.
export interface Seen {
  acme: string;
  targets: Record<string, string | null>;
}

// Every file a pass writes or checks: a change to any of them (deleted key, re-rendered main.cf) means a new pass.
export async function targetStamps(t: Targets): Promise<Record<string, string | null>> {
  const f = targetFiles(t.acmeDir);
  const paths = [f.chain, f.cert, f.key, f.state, f.sni, f.sniIndex, join(t.postfixConf, 'main.cf'), t.dovecotTls];
  const out: Record<string, string | null> = {};
  for (const p of paths) out[p] = (await fileStamp(p).catch(() => undefined)) ?? null;
  return out;
}

export const sameTargets = (a: Seen['targets'], b: Seen['targets']): boolean => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
};

// The last pass's stamps on disk (run/, per container start): the service started after the `--once` entry step
// finds the certificate handled and idles without parsing it (no node:crypto, no postconf: ~8 MB less).
export class SeenStore {
  constructor(
    private readonly file: string | undefined,
    private readonly log: Logger,
  ) {}

  // Missing or unreadable state means a full pass, which only costs time.
  async load(): Promise<Seen | undefined> {
    if (!this.file) return undefined;
    try {
      const s = JSON.parse(await readFile(this.file, 'utf8')) as Seen;
      return typeof s?.acme === 'string' && s.targets && typeof s.targets === 'object' ? s : undefined;
    } catch {
      return undefined;
    }
  }

  async save(seen: Seen): Promise<void> {
    if (!this.file) return;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      await writeIfChanged(this.file, `${JSON.stringify(seen)}\n`, { mode: 0o600 });
    } catch (e) {
      this.log.warn(
        { event: 'acme.state.unwritable', err: (e as Error).message },
        'pass state not kept; the next start re-reads acme.json',
      );
    }
  }
}
