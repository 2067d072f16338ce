import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isKeyFileName, parseKeyFileName, writeIfChanged } from '@mta/shared';
import type { DkimCore } from './core.ts';
import { keyEvent, rejectEvent } from './events.ts';
import { inspectKeyFile } from './keycache.ts';
import { renderAmavisSnippet, type SnippetKey } from './snippet.ts';
import { contentMark, fixKeyPerms, writeTxt } from './store.ts';

export interface SyncResult {
  keys: SnippetKey[];
  snippetChanged: boolean;
}

// Makes the amavis snippet match the valid key files in the dir; broken files are reported and left out.
export async function syncKeys(core: DkimCore, opts: { announce: boolean }): Promise<SyncResult> {
  const { dir, log } = core;
  const names = (await readdir(dir)).filter(isKeyFileName).sort();
  const keys: SnippetKey[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const kf = await inspectKeyFile(core, file);
    if (!kf) continue;
    if (kf.refused) {
      core.known.delete(name);
      continue;
    }
    // `amavisd genrsa` creates the file empty and fills it after generating: not broken yet, just not written.
    if (kf.size === 0) {
      log.debug({ event: 'dkim.key.empty', file }, 'key file still empty; waiting for its content');
      core.known.delete(name);
      continue;
    }
    const id = parseKeyFileName(name);
    const r = id ? kf.result : { ok: false as const, reason: 'name is not <domain>.<selector>.privkey.pem' };
    const mark = r.ok ? r.info.fingerprint : contentMark(kf.content ?? Buffer.alloc(0));
    const isNew = core.known.get(name) !== mark;
    core.known.set(name, mark);
    if (!r.ok) {
      if (isNew) rejectEvent(log, core.publish, file, r.reason, id);
      continue;
    }
    if (!id) continue;
    if (isNew && opts.announce) keyEvent(log, core.publish, id, r.info, 'file');
    await fixKeyPerms(file, core.owner);
    await writeTxt(core, id, r.info);
    keys.push({ ...id, file });
  }
  for (const name of core.known.keys()) if (!names.includes(name)) core.known.delete(name);
  await core.keyCache
    ?.save(names.map((n) => join(dir, n)))
    .catch((e: Error) =>
      log.warn({ event: 'dkim.cache.unwritable', err: e.message }, 'key facts not cached; next start parses keys again'),
    );
  await mkdir(dirname(core.snippetPath), { recursive: true });
  const snippetChanged = await writeIfChanged(core.snippetPath, renderAmavisSnippet(keys, core.selector), { mode: 0o644 });
  if (snippetChanged) {
    log.info({ event: 'dkim.snippet.written', keys: keys.map((k) => `${k.domain}/${k.selector}`) }, 'amavis dkim config updated');
    await core.reload();
  }
  return { keys, snippetChanged };
}
