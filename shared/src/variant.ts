import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Variant } from './env/spec.ts';

// The image variant is what is installed, so one build of each sidecar works in mini, base and full.
export function detectVariant(root = '/'): Variant {
  const has = (p: string) => existsSync(join(root, p));
  if (has('usr/sbin/amavisd-new') || has('usr/sbin/amavisd')) return 'full';
  if (has('usr/sbin/dovecot')) return 'base';
  return 'mini';
}
