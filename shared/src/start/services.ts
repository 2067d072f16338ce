import { dirname } from 'node:path';
import { ALL, BASE_UP, FULL, type Variant } from '../env/spec.ts';
import type { StartSettings } from './settings.ts';

// One runit service of the image (image/service/<name>) and when a container runs it. A new sidecar service is one
// more entry here plus its image/service/<name>/run: the shell only links what the start plan lists.
export interface ServiceRule {
  name: string;
  variants: readonly Variant[];
  // A Node sidecar: runs only when its bundle is built into this image.
  sidecar?: boolean;
  // Why this container does not need it (a feature not configured), or undefined.
  skip?: (s: StartSettings, exists: (path: string) => boolean) => string | undefined;
}

// Whether acme-watch has something to watch: the directory of ACME_FILE, or the fleet's certificates.
export const acmeWatched = (s: StartSettings, exists: (path: string) => boolean): string | undefined =>
  exists(dirname(s.ACME_FILE)) || s.ACME_SOURCE === 'fleet' ? undefined : `${dirname(s.ACME_FILE)} does not exist`;

export const SERVICES: readonly ServiceRule[] = [
  { name: 'postfix', variants: ALL },
  { name: 'dovecot', variants: BASE_UP },
  { name: 'acme-watch', variants: BASE_UP, sidecar: true, skip: acmeWatched },
  { name: 'amavis', variants: FULL },
  { name: 'clamd', variants: FULL },
  { name: 'freshclam', variants: FULL },
  { name: 'sa-update', variants: FULL },
  { name: 'dkim-keys', variants: FULL, sidecar: true },
  {
    name: 'spamd-learn',
    variants: FULL,
    sidecar: true,
    skip: (s, exists) => (exists(s.KOPANO_SPAMD_LIB) ? undefined : `${s.KOPANO_SPAMD_LIB} does not exist`),
  },
];
