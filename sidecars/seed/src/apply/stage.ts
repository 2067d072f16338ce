import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EnvIssue, run } from '@mta/shared';
import { applyMainSettings } from '../main-cf.ts';
import { applyMasterEntries, disableChroot } from '../master-cf.ts';
import type { MasterEntry } from '../plan.ts';
import { agePostfixConf } from './age.ts';

export interface PostfixBase {
  main: string;
  master: string;
}

// On success the scratch dir stays until dispose(): postmap needs a main.cf (`-c configDir`) while tables are built.
export type StageResult =
  | { ok: true; main: string; master: string; configDir: string; dispose: () => Promise<void> }
  | { ok: false; errors: EnvIssue[] };

// Postfix validates every parameter (types, lengths) and master.cf when the postfix command starts; `status` does
// exactly that and nothing else (`check` also builds queue dirs, ~2 s). Errors reach stderr only on a terminal,
// hence script(1) for a pty.
async function postfixValidate(dir: string): Promise<string | undefined> {
  const r = await run('script', ['-qec', `postfix -c '${dir}' status`, '/dev/null'], { timeoutMs: 30_000, okExitCodes: [1] });
  const fatal = r.stdout
    .split(/\r?\n/)
    .filter((l) => /fatal:/.test(l))
    .map((l) => l.trim());
  if (fatal.length) return fatal.join('; ');
  if (r.exitCode !== 0 && !/is not running/.test(r.stdout)) return r.stdout.trim() || `exit code ${r.exitCode}`;
  const log = (await run('postconf', ['-c', dir, '-h', 'maillog_file'])).stdout.trim();
  if (log && !(await run('postconf', ['-c', dir, '-M', 'postlog/unix-dgram'])).stdout.trim())
    return 'maillog_file is set but master.cf has no postlog service';
  return undefined;
}

// Renders main.cf/master.cf and lets postfix validate them in a scratch dir: nothing live is touched.
export async function stagePostfix(
  base: PostfixBase,
  postconf: Record<string, string>,
  master: readonly MasterEntry[],
): Promise<StageResult> {
  const dir = await mkdtemp(join(tmpdir(), 'mta-seed-stage-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  let keep = false;
  try {
    const etc = join(dir, 'etc');
    await mkdir(etc);
    const main = applyMainSettings(base.main, postconf);
    const masterCf = disableChroot(applyMasterEntries(base.master, master));
    await writeFile(join(etc, 'main.cf'), main);
    await writeFile(join(etc, 'master.cf'), masterCf);

    // Validated against a copy whose queue and data dirs are scratch dirs: nothing of the live instance is read.
    const check = join(dir, 'check');
    await mkdir(check);
    await writeFile(join(check, 'main.cf'), main);
    await writeFile(join(check, 'master.cf'), masterCf);
    await mkdir(join(dir, 'queue'));
    await mkdir(join(dir, 'data'));
    await run('postconf', ['-c', check, '-e', `queue_directory=${join(dir, 'queue')}`, `data_directory=${join(dir, 'data')}`]);
    // Scratch files dated back, so validation and postmap -c do not wait for postfix to trust them.
    for (const d of [etc, check]) await agePostfixConf(d, 60_000);
    const failure = await postfixValidate(check);
    if (failure) return { ok: false, errors: [{ variable: 'postfix', message: `configuration rejected by postfix: ${failure}` }] };
    keep = true;
    return { ok: true, main, master: masterCf, configDir: etc, dispose };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, errors: [{ variable: 'postfix', message: `cannot stage configuration: ${msg}` }] };
  } finally {
    if (!keep) await dispose();
  }
}
