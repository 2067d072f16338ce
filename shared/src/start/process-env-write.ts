import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawEnv } from '../env/spec.ts';
import { FleetIdentity } from '../fleet/identity.ts';
import { ensureDir } from '../fs/dir.ts';
import { fsOp } from '../fs/errors.ts';
import { writeAtomic } from '../fs/write.ts';
import type { Logger } from '../log.ts';
import {
  PROCESS_ENV,
  type ProcessName,
  plainSecrets,
  processEnv,
  processEnvDir,
  processEnvFile,
  renderProcessEnv,
  secretsDir,
} from './process-env.ts';

// `<node>=<public key>` of MTA_FLEET_KEY, for processes that verify their own node's heartbeats without the key.
async function selfTrust(resolved: RawEnv, node: string): Promise<string | undefined> {
  const seed = resolved.MTA_FLEET_KEY;
  if (!seed) return undefined;
  // A bad seed is reported by the sidecars that sign with it; nothing to add then.
  const id = await FleetIdentity.load(seed, node, []).catch(() => undefined);
  return id && `${node}=${id.publicKey}`;
}

// Every process's environment file and secret files, from scratch at each start: a secret this start no longer has
// (or a process that no longer needs it) leaves nothing behind. Directories 0700, files 0400/0600, all root's.
export async function writeProcessEnvs(i: { root: string; raw: RawEnv; resolved: RawEnv; node: string }): Promise<void> {
  const trust = await selfTrust(i.resolved, i.node);
  // The entries, not the directories: an operator may mount a tmpfs there (`--tmpfs /run/mta/secrets`).
  for (const dir of [secretsDir(i.root), processEnvDir(i.root)]) {
    await ensureDir(dir, { mode: 0o700 });
    for (const name of await fsOp('list', dir, () => readdir(dir)))
      await fsOp('remove', join(dir, name), () => rm(join(dir, name), { recursive: true, force: true }));
  }
  for (const proc of Object.keys(PROCESS_ENV) as ProcessName[]) {
    const { env, files } = processEnv(proc, { raw: i.raw, resolved: i.resolved, root: i.root, selfTrust: trust });
    if (files.length) await ensureDir(join(secretsDir(i.root), proc), { mode: 0o700 });
    for (const f of files) await writeAtomic(f.path, f.content, { mode: 0o400 });
    await writeAtomic(processEnvFile(i.root, proc), renderProcessEnv(env), { mode: 0o600 });
  }
}

// Said once per start, by the seed: a secret given as a plain variable is in the container's configuration, so every
// `docker exec` (and `docker inspect`) shows it, whatever the image does with its own processes.
export function warnPlainSecrets(log: Logger, raw: RawEnv): void {
  const variables = plainSecrets(raw);
  if (!variables.length) return;
  log.warn(
    { event: 'config.plain_secrets', variables },
    `${variables.join(', ')} given as plain variables: every docker exec and docker inspect shows them; give each as <NAME>__FILE (a docker secret) instead`,
  );
}
