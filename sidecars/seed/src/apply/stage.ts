import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Outcome, run } from '@mta/shared';
import { applyMainSettings, mainValue } from '../main-cf.ts';
import { applyMasterEntries, disableChroot, hasMasterEntry } from '../master-cf.ts';
import type { MasterEntry } from '../plan.ts';
import { agePostfixConf } from './age.ts';
import { checkMaillog, maillogProblem } from './maillog-check.ts';

export interface PostfixBase {
  main: string;
  master: string;
}

// On success the scratch dir stays until dispose(): postmap needs a main.cf (`-c configDir`) while tables are built.
// `prepared` is what the caller's work alongside the validation produced.
// A refusal is about the whole configuration, not one variable: its reason says what postfix (or staging) objected to.
export type PostfixStage<T = undefined> = Outcome<{
  main: string;
  master: string;
  configDir: string;
  prepared: T | undefined;
  dispose: () => Promise<void>;
}>;

// Work that needs only the staged config dir (indexing tables under temp names) and can be undone.
export interface Discardable {
  discard: () => Promise<void>;
}

// What postfix itself does not catch at start-up but the seed knows: a maillog_file nobody would write.
export function postlogProblem(main: string, master: string): string | undefined {
  if (mainValue(main, 'maillog_file') && !hasMasterEntry(master, 'postlog/unix-dgram'))
    return 'maillog_file is set but master.cf has no postlog service';
  return undefined;
}

// Postfix's fatal lines in what it printed, without the rest.
export function fatalLines(output: string): string | undefined {
  const fatal = output
    .split(/\r?\n/)
    .filter((l) => /fatal:/.test(l))
    .map((l) => l.trim());
  return fatal.length ? fatal.join('; ') : undefined;
}

// Postfix 3.7 prints its fatal errors to a terminal only: the rejected config is run again under script(1). Without
// script(1) (or when it fails) the caller falls back to what it has.
async function underTerminal(dir: string): Promise<string | undefined> {
  try {
    const r = await run('script', ['-qec', `postfix -c '${dir}' status`, '/dev/null'], { timeoutMs: 30_000, okExitCodes: [1] });
    return fatalLines(r.stdout) ?? (r.stdout.trim() || undefined);
  } catch {
    return undefined;
  }
}

// The postfix command validates every parameter (types, lengths, host names) before it runs postfix-script. The
// check copy's postfix-script is true(1), so the verdict is postfix's own exit status from one short process (the
// real script's `status` starts master -t, postconf and postlog). A refusal always carries postfix's own words:
// 3.8 and later print them on stderr whatever it is, 3.7 only to a terminal.
async function postfixValidate(dir: string): Promise<string | undefined> {
  const first = await run('postfix', ['-c', dir, 'status'], { timeoutMs: 30_000, okExitCodes: [1] });
  if (first.exitCode === 0) return undefined;
  return fatalLines(first.stderr) ?? (await underTerminal(dir)) ?? (first.stderr.trim() || `exit code ${first.exitCode}`);
}

// The check copy's verdict, then the maillog_file rule on the real values, which the check copy does not see.
async function validate(etc: string, check: string): Promise<string | undefined> {
  return (await postfixValidate(check)) ?? (await maillogProblem(etc));
}

// Renders main.cf/master.cf and lets postfix validate them in a scratch dir: nothing live is touched. `alongside`
// runs while postfix validates (one CPU validates, the other indexes); a rejected config discards what it made.
export async function stagePostfix<T extends Discardable = Discardable>(
  base: PostfixBase,
  postconf: Record<string, string>,
  master: readonly MasterEntry[],
  alongside?: (configDir: string) => Promise<T>,
): Promise<PostfixStage<T>> {
  const dir = await mkdtemp(join(tmpdir(), 'mta-seed-stage-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  let keep = false;
  try {
    const main = applyMainSettings(base.main, postconf);
    const masterCf = disableChroot(applyMasterEntries(base.master, master));
    const problem = postlogProblem(main, masterCf);
    if (problem) return { ok: false, reason: `configuration rejected by postfix: ${problem}` };

    // Validated against a copy whose queue, data and daemon dirs are scratch dirs: nothing of the live instance is read.
    const [etc, check, queue, data, daemon] = ['etc', 'check', 'queue', 'data', 'libexec'].map((d) => join(dir, d)) as string[] as [
      string,
      string,
      string,
      string,
      string,
    ];
    await Promise.all([etc, check, queue, data, daemon].map((d) => mkdir(d)));
    const checkMain = applyMainSettings(main, {
      queue_directory: queue,
      data_directory: data,
      daemon_directory: daemon,
      ...(mainValue(main, 'maillog_file') ? checkMaillog(check) : {}),
    });
    await Promise.all([
      writeFile(join(etc, 'main.cf'), main),
      writeFile(join(etc, 'master.cf'), masterCf),
      writeFile(join(check, 'main.cf'), checkMain),
      writeFile(join(check, 'master.cf'), masterCf),
      symlink('/bin/true', join(daemon, 'postfix-script')),
    ]);
    // Scratch files dated back, so validation and postmap -c do not wait for postfix to trust them.
    await Promise.all([etc, check].map((d) => agePostfixConf(d, 60_000)));
    const [validated, side] = await Promise.allSettled([validate(etc, check), alongside?.(etc)]);
    const prepared = side.status === 'fulfilled' ? side.value : undefined;
    if (validated.status === 'rejected' || validated.value || side.status === 'rejected') await prepared?.discard();
    if (validated.status === 'rejected') throw validated.reason;
    if (validated.value) return { ok: false, reason: `configuration rejected by postfix: ${validated.value}` };
    if (side.status === 'rejected') throw side.reason;
    keep = true;
    return { ok: true, main, master: masterCf, configDir: etc, prepared, dispose };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, reason: `cannot stage configuration: ${msg}` };
  } finally {
    if (!keep) await dispose();
  }
}
