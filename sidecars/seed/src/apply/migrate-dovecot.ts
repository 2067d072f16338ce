import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { dovecotSyntax, effectiveConfig, MtaError, makeDirs, numericId, readEffectiveTables, writeIfChanged } from '@mta/shared';
import { renderContext } from '../context.ts';
import { dovecotFiles } from '../dovecot/conf.ts';
import { passesToDovecot } from '../dovecot/passthrough.ts';
import { renderDovecot } from '../dovecot/render.ts';
import { dovecotParamNames } from './facts.ts';
import type { Migration } from './migration.ts';
import { checkDovecot } from './stage-dovecot.ts';

// A /srv seeded for another dovecot (a bookworm image's 2.3 files under a trixie image's 2.4, which refuses them, or
// back): at a locked start the seed renders dovecot's files again, and only those, from what was seeded (the
// effective configuration's values; secrets and DOVECOT_* from this start, as they are never written down), checks
// them with the installed doveconf and writes them (the caller records the new versions in the effective
// configuration). Every other seeded file stays as it is. Returns the files written; [] when the syntax did not change.
export async function migrateDovecot(m: Migration): Promise<string[]> {
  const from = dovecotSyntax(m.effective.facts.daemons);
  const to = dovecotSyntax(m.daemons);
  const f = dovecotFiles(m.paths);
  if (from === to || m.variant === 'mini' || !existsSync(f.conf)) return [];
  const config = effectiveConfig(m.config, m.effective, await readEffectiveTables(m.paths.effectiveTables));
  const dovecotParams = passesToDovecot(m.env) ? await dovecotParamNames() : new Set<string>();
  const ctx = renderContext({ config, env: m.env, paths: m.paths, variant: m.variant, dovecotParams, daemons: m.daemons, now: m.now });
  const part = renderDovecot(ctx);
  if (part.errors?.length)
    throw new MtaError(
      'E_CONFIG',
      `dovecot ${to} cannot run the configuration seeded for ${from}: ${part.errors.map((e) => `${e.variable}: ${e.message}`).join('; ')}; fix the variables and seed again with FORCE_CONFIG=OVERWRITE`,
    );
  // Dovecot's own files only: the postfix services the renderer also names are seeded already and unchanged.
  const files = (part.files ?? []).filter((p) => p.path.startsWith(`${m.paths.dovecotConf}/`));
  const refused = await checkDovecot(files, m.paths);
  if (refused) throw new MtaError('E_CONFIG', `dovecot ${to} refuses the migrated configuration: ${refused}`);
  const changed: string[] = [];
  for (const p of files) {
    await makeDirs(dirname(p.path));
    const ids = { uid: numericId('user', p.owner ?? 'root'), gid: numericId('group', p.group ?? p.owner ?? 'root') };
    if (await writeIfChanged(p.path, p.content, { mode: p.mode, ...ids })) changed.push(p.path);
  }
  for (const p of part.remove ?? [])
    if (
      await rm(p).then(
        () => true,
        () => false,
      )
    )
      changed.push(p);
  m.log.info(
    { event: 'seed.dovecot_migrated', from, to, files: changed },
    `dovecot's files were seeded for Dovecot ${from} and this image has ${to}: rendered again in ${to} syntax from the seeded configuration; nothing else seeded again`,
  );
  return changed;
}
