import type { Config, DaemonVersions, Effective, Logger, MtaPaths, RawEnv, Variant } from '@mta/shared';

// What a locked start knows when it migrates files seeded for other daemon versions (migrate-dovecot.ts,
// migrate-postfix.ts): the seeded configuration and this start's environment.
export interface Migration {
  config: Config;
  env: RawEnv;
  paths: MtaPaths;
  variant: Variant;
  effective: Effective;
  // The installed versions; the effective configuration's say what the seeded files were rendered for.
  daemons: DaemonVersions;
  now: Date;
  log: Logger;
}
