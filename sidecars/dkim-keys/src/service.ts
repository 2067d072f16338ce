import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, ErrorCode, type Logger, MtaError, type MtaPaths } from '@mta/shared';
import type { DkimCore } from './core.ts';
import { ensureKeys } from './ensure.ts';
import type { Publish } from './events.ts';
import { keyOwner } from './ids.ts';
import { inspectKey, type KeyInfo } from './keyinfo.ts';
import { reloadAmavis } from './reload.ts';
import { syncKeys } from './sync.ts';
import { watchKeyDir } from './watch.ts';

type DkimConfig = Pick<
  Config,
  'MAIL_DOMAIN' | 'DKIM_SELECTOR' | 'DKIM_KEYBITS' | 'DKIM_PRIVATEKEY' | 'FORCE_CONFIG' | 'DOCKER_UNLOCK_FILE'
>;

export interface ServiceOptions {
  paths: MtaPaths;
  config: DkimConfig;
  log: Logger;
  publish?: Publish;
  // false = one-shot (entry step): ensure keys, write the snippet, return.
  watch: boolean;
  // Where a running amavis leaves its pid; the first live one is sent SIGHUP.
  pidFiles?: readonly string[];
}

// Seeding is when the user's variables win over files on disk (FORCE_CONFIG or the unlock file, as for the seed).
export const isSeeding = (paths: MtaPaths, config: DkimConfig): boolean =>
  !!config.FORCE_CONFIG || existsSync(join(paths.root, config.DOCKER_UNLOCK_FILE));

export const defaultPidFiles = (paths: MtaPaths): string[] => [
  join(paths.root, 'run/amavis/amavisd.pid'),
  join(paths.root, 'var/run/amavis/amavisd.pid'),
  join(paths.amavisHome, 'amavisd.pid'),
];

// The sidecar without its process shell: validate, key every domain, render the amavis snippet, then watch.
export async function runDkimKeys(o: ServiceOptions): Promise<{ core: DkimCore; close: () => Promise<void> }> {
  const { paths, config, log } = o;
  let envKey: { pem: string; info: KeyInfo } | undefined;
  if (config.DKIM_PRIVATEKEY) {
    const r = inspectKey(config.DKIM_PRIVATEKEY);
    if (!r.ok) throw new MtaError(ErrorCode.Validation, `DKIM_PRIVATEKEY: ${r.reason}`);
    envKey = { pem: config.DKIM_PRIVATEKEY, info: r.info };
  }
  const pidFiles = o.pidFiles ?? defaultPidFiles(paths);
  const core: DkimCore = {
    dir: paths.dkim,
    snippetPath: paths.amavisDkim,
    selector: config.DKIM_SELECTOR,
    owner: await keyOwner(),
    log,
    publish: o.publish,
    reload: () => reloadAmavis(pidFiles, log),
    known: new Map(),
  };
  const domains = config.MAIL_DOMAIN ?? [];
  const done = await ensureKeys(core, { domains, bits: config.DKIM_KEYBITS, envKey, seeding: isSeeding(paths, config) });
  const { keys } = await syncKeys(core, { announce: false });
  log.info({ event: 'dkim.ready', done, keys: keys.length }, 'dkim keys ready');
  if (!o.watch) return { core, close: async () => {} };
  const watcher = await watchKeyDir(core.dir, () => syncKeys(core, { announce: true }), log);
  return { core, close: watcher.close };
}
