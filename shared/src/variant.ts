import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isVariant, type Variant } from './env/spec.ts';

// The image variant: the build's marker file when present, else what is installed (amavis = full, dovecot = base),
// so one build of each sidecar works in mini, base and full.
export function detectVariant(root = '/'): Variant {
  try {
    const marked = readFileSync(join(root, 'usr/share/mta/variant'), 'utf8').trim();
    if (isVariant(marked)) return marked;
  } catch {
    // no marker outside the image
  }
  const has = (p: string) => existsSync(join(root, p));
  if (has('usr/sbin/amavisd-new') || has('usr/sbin/amavisd')) return 'full';
  if (has('usr/sbin/dovecot')) return 'base';
  return 'mini';
}
