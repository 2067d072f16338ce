import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { keyFileName } from '@mta/shared';
import type { DkimCore } from './core.ts';
import { decideKey, type Existing } from './decide.ts';
import { keyEvent, rejectEvent } from './events.ts';
import { generateRsaKey } from './generate.ts';
import { inspectKeyFile } from './keycache.ts';
import { inspectKey, type KeyInfo } from './keyinfo.ts';
import { backupKey, contentMark, readKeyBytes, writeKey } from './store.ts';

export interface EnsureInput {
  domains: readonly string[];
  bits: number;
  // DKIM_PRIVATEKEY, already validated and normalised to PKCS#1 PEM, with its public facts.
  envKey?: { pem: string; info: KeyInfo };
  seeding: boolean;
}

// One key per domain for DKIM_SELECTOR, in the seed's order of sources; returns what it did per domain.
export async function ensureKeys(core: DkimCore, input: EnsureInput): Promise<Record<string, string>> {
  await mkdir(core.dir, { recursive: true, mode: 0o755 });
  const done: Record<string, string> = {};
  for (const domain of input.domains) {
    const id = { domain, selector: core.selector };
    const name = keyFileName(id);
    const file = join(core.dir, name);
    const kf = await inspectKeyFile(core, file);
    const r = kf?.result;
    const existing: Existing = !r
      ? { state: 'missing' }
      : r.ok
        ? { state: 'valid', fingerprint: r.info.fingerprint }
        : { state: 'invalid', reason: r.reason };
    const d = decideKey({ existing, envKey: input.envKey?.info.fingerprint, seeding: input.seeding });
    done[domain] = d.action;
    if (d.action === 'keep' && r?.ok) core.known.set(name, r.info.fingerprint);
    else if (d.action === 'reject' && kf && !kf.refused) {
      rejectEvent(core.log, core.publish, file, d.reason, id);
      core.known.set(name, contentMark(kf.content ?? Buffer.alloc(0)));
    } else if (d.action === 'import' && input.envKey) {
      const content = d.backup ? await readKeyBytes(core, file) : undefined;
      if (content) {
        await backupKey(file, content, core.owner);
        core.log.warn({ event: 'dkim.key.replaced', domain, backup: `${file}.bak` }, 'DKIM_PRIVATEKEY replaces the existing key file');
      }
      await writeKey(file, input.envKey.pem, core.owner);
      keyEvent(core.log, core.publish, id, input.envKey.info, 'DKIM_PRIVATEKEY');
      core.known.set(name, input.envKey.info.fingerprint);
    } else if (d.action === 'generate') {
      const pem = await generateRsaKey(input.bits);
      const info = inspectKey(pem);
      if (!info.ok) throw new Error(`generated key unusable: ${info.reason}`);
      await writeKey(file, pem, core.owner);
      keyEvent(core.log, core.publish, id, info.info, 'generated');
      core.known.set(name, info.info.fingerprint);
    }
  }
  return done;
}
