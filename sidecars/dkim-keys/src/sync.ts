import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeIfChanged } from '@mta/shared';
import type { DkimCore } from './core.ts';
import { keyEvent, rejectEvent } from './events.ts';
import { inspectKey } from './keyinfo.ts';
import { isKeyFileName, parseKeyFileName } from './names.ts';
import { renderAmavisSnippet, type SnippetKey } from './snippet.ts';
import { contentMark, fixKeyPerms, readIfExists, writeTxt } from './store.ts';

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
    const content = await readIfExists(file);
    if (!content) continue;
    // `amavisd genrsa` creates the file empty and fills it after generating: not broken yet, just not written.
    if (content.length === 0) {
      log.debug({ event: 'dkim.key.empty', file }, 'key file still empty; waiting for its content');
      core.known.delete(name);
      continue;
    }
    const id = parseKeyFileName(name);
    const r = id ? inspectKey(content) : { ok: false as const, reason: 'name is not <domain>.<selector>.privkey.pem' };
    const mark = r.ok ? r.info.fingerprint : contentMark(content);
    const isNew = core.known.get(name) !== mark;
    core.known.set(name, mark);
    if (!r.ok) {
      if (isNew) rejectEvent(log, core.publish, file, r.reason, id);
      continue;
    }
    if (!id) continue;
    if (isNew && opts.announce) keyEvent(log, core.publish, id, r.info, 'file');
    await fixKeyPerms(file, core.owner);
    await writeTxt(dir, id, r.info);
    keys.push({ ...id, file });
  }
  for (const name of core.known.keys()) if (!names.includes(name)) core.known.delete(name);
  await mkdir(dirname(core.snippetPath), { recursive: true });
  const snippetChanged = await writeIfChanged(core.snippetPath, renderAmavisSnippet(keys, core.selector), { mode: 0o644 });
  if (snippetChanged) {
    log.info({ event: 'dkim.snippet.written', keys: keys.map((k) => `${k.domain}/${k.selector}`) }, 'amavis dkim config updated');
    await core.reload();
  }
  return { keys, snippetChanged };
}
