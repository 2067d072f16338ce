import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VARS } from '../env/schema.ts';
import type { RawEnv } from '../env/spec.ts';

export interface Gate {
  run: boolean;
  force: boolean;
  // Absolute path of the unlock file inside root.
  unlockFile: string;
}

// The seed's rule, the one copy of it (the seed, dkim-keys, `mta status` and, through the start plan, the image's
// shell): configure while the unlock file exists, or always when FORCE_CONFIG is non-blank.
export function seedGate(env: RawEnv, root: string, exists: (p: string) => boolean = existsSync): Gate {
  const unlockFile = join(root, env.DOCKER_UNLOCK_FILE || VARS.DOCKER_UNLOCK_FILE.default);
  const force = !!env.FORCE_CONFIG?.trim();
  return { run: force || exists(unlockFile), force, unlockFile };
}
