import type { Logger, RefusedPaths } from '@mta/shared';
import type { Publish } from './events.ts';
import type { KeyInfoCache } from './keycache.ts';
import type { Owner } from './store.ts';

// Everything the key logic needs, injected so tests run it against a temp root without the sidecar shell.
export interface DkimCore {
  dir: string;
  snippetPath: string;
  // DKIM_SELECTOR: the key a domain signs with when it has several.
  selector: string;
  owner: Owner;
  log: Logger;
  publish?: Publish;
  reload: () => Promise<unknown>;
  // File name -> fingerprint (or content mark when rejected): what was already announced.
  known: Map<string, string>;
  // Facts of unchanged key files from an earlier run; without it every file is parsed.
  keyCache?: KeyInfoCache;
  // Links and hard links planted in the (amavis-owned) key dir, each logged once.
  refused: RefusedPaths;
}

// `<domain>.<selector>` -> fingerprint of every usable key, for fleet heartbeats (public facts only).
export const fingerprints = (known: ReadonlyMap<string, string>): Record<string, string> =>
  Object.fromEntries([...known].filter(([, v]) => v.startsWith('SHA256:')).map(([name, v]) => [name.replace(/\.privkey\.pem$/, ''), v]));
