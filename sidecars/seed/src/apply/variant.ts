import { existsSync } from 'node:fs';
import type { Variant } from '@mta/shared';

// The image variant, from the daemons installed: amavis means full, dovecot means base, else mini.
export function detectVariant(exists: (p: string) => boolean = existsSync): Variant {
  if (exists('/usr/sbin/amavisd-new') || exists('/usr/sbin/amavisd')) return 'full';
  if (exists('/usr/sbin/dovecot')) return 'base';
  return 'mini';
}
