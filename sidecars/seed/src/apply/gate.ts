import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RawEnv } from '@mta/shared';

export interface Gate {
  run: boolean;
  force: boolean;
  // Absolute path of the unlock file inside root.
  unlockFile: string;
}

const DEFAULT_UNLOCK = '/srv/etc/.docker.unlock';

// The seed's rule: configure while the unlock file exists, or always when FORCE_CONFIG is non-empty.
export function seedGate(env: RawEnv, root: string, exists: (p: string) => boolean = existsSync): Gate {
  const unlockFile = join(root, env.DOCKER_UNLOCK_FILE || DEFAULT_UNLOCK);
  const force = !!env.FORCE_CONFIG?.trim();
  return { run: force || exists(unlockFile), force, unlockFile };
}
