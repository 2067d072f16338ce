import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DaemonVersions, effectiveConfig, MtaError, writeIfChanged } from '@mta/shared';
import { renderContext } from '../context.ts';
import { applyMainSettings, mainValue, removeMainSettings } from '../main-cf.ts';
import { renderDhParams } from '../postfix/dhparam.ts';
import { renderReleaseDefaults } from '../postfix/release-defaults.ts';
import type { Migration } from './migration.ts';
import { stagePostfix } from './stage.ts';

// The main.cf rows the seed renders differently by postfix version (postfix/release-defaults.ts, the DH file 3.9
// deprecated), as rendered for `daemons`.
function releaseRows(m: Migration, daemons: DaemonVersions): Record<string, string> {
  const ctx = renderContext({
    config: effectiveConfig(m.config, m.effective),
    env: m.env,
    paths: m.paths,
    variant: m.variant,
    daemons,
    now: m.now,
  });
  return { ...renderReleaseDefaults(ctx).postconf, ...renderDhParams(ctx).postconf };
}

export interface RowChanges {
  set: Record<string, string>;
  remove: string[];
  // Rows whose value in main.cf is not the one seeded (a pass-through variable, an operator's postconf -e): theirs.
  kept: string[];
}

// What turns main.cf's release rows from those seeded for one postfix into those the installed one gets. Only a row
// that still has the seeded value (or is still absent where nothing was seeded) changes: a row without a value for
// the installed postfix is removed (postfix's own default; an older postfix does not know the parameter at all).
export function releaseRowChanges(
  main: string,
  seeded: Readonly<Record<string, string>>,
  installed: Readonly<Record<string, string>>,
): RowChanges {
  const out: RowChanges = { set: {}, remove: [], kept: [] };
  for (const name of [...new Set([...Object.keys(seeded), ...Object.keys(installed)])].sort()) {
    const now = mainValue(main, name);
    const want = installed[name];
    if (now !== (seeded[name] ?? '')) {
      if (now !== (want ?? '')) out.kept.push(name);
    } else if (want === undefined) {
      if (now !== '') out.remove.push(name);
    } else if (now !== want) out.set[name] = want;
  }
  return out;
}

// A /srv seeded for another postfix (a bookworm image's 3.7 main.cf under trixie's 3.10, or back): at a locked start
// the release rows of main.cf become those the seed renders for the installed postfix, as FORCE_CONFIG would render
// them, after postfix has validated the result; nothing else in main.cf changes. Returns the files written (none when
// every row was already right or is the operator's), or undefined when the rows are the same for both postfixes.
export async function migratePostfix(m: Migration): Promise<string[] | undefined> {
  const mainCf = join(m.paths.postfixConf, 'main.cf');
  const masterCf = join(m.paths.postfixConf, 'master.cf');
  if (!m.daemons.postfix || !existsSync(mainCf)) return undefined;
  const seeded = releaseRows(m, m.effective.facts.daemons ?? {});
  const installed = releaseRows(m, m.daemons);
  if (JSON.stringify(seeded) === JSON.stringify(installed)) return undefined;
  const main = await readFile(mainCf, 'utf8');
  const c = releaseRowChanges(main, seeded, installed);
  const next = applyMainSettings(removeMainSettings(main, c.remove), c.set);
  // A /srv from before the daemons fact was seeded by a bookworm image (postfix 3.7).
  const from = m.effective.facts.daemons?.postfix ?? '3.7';
  const to = m.daemons.postfix;
  if (next !== main) {
    const staged = await stagePostfix({ main: next, master: await readFile(masterCf, 'utf8') }, {}, []);
    if (!staged.ok) throw new MtaError('E_CONFIG', `postfix ${to} refuses the main.cf migrated from ${from}: ${staged.reason}`);
    await staged.dispose();
    await writeIfChanged(mainCf, next, { mode: 0o644, uid: 0, gid: 0 });
  }
  m.log.info(
    { event: 'seed.postfix_migrated', from, to, set: c.set, removed: c.remove, kept: c.kept },
    `main.cf was seeded for postfix ${from} and this image has ${to}: its release-dependent rows are now those of ${to}${c.kept.length ? ` (${c.kept.join(', ')} kept: set by the operator)` : ''}; nothing else seeded again`,
  );
  return next === main ? [] : [mainCf];
}
