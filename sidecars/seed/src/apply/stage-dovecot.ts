import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ExecError, type MtaPaths, run } from '@mta/shared';
import { dovecotFiles } from '../dovecot/conf.ts';
import type { PlannedFile } from '../plan.ts';

// An operator's own file next to ours: dovecot.conf includes every conf.d/*-mta-*.conf.
const DROP_IN = /-mta-.*\.conf$/;

const doveconfInstalled = (): boolean => ['/usr/bin/doveconf', '/usr/sbin/doveconf'].some((p) => existsSync(p));

// Every occurrence of a live path in the staged text, pointed into the scratch copy (longest first, so a file is not
// taken for its directory).
function redirect(text: string, live: readonly string[], scratch: string): string {
  let out = text;
  for (const p of [...live].sort((a, b) => b.length - a.length)) out = out.split(p).join(join(scratch, p));
  return out;
}

// Dovecot's own parser over the planned dovecot configuration, before anything is written (`doveconf -n`), as postfix
// checks main.cf (stage.ts): a copy of the planned files, with the operator's drop-ins in conf.d and the planned
// certificate files (self-signed, made this run) in a scratch dir, the includes pointed there. Returns doveconf's
// refusal with the scratch paths put back to the live ones (so it names the operator's file), or undefined when
// dovecot accepts it or is not part of this plan (mini) or not installed here.
export async function checkDovecot(files: readonly PlannedFile[], paths: MtaPaths): Promise<string | undefined> {
  const f = dovecotFiles(paths);
  const conf = files.find((p) => p.path === f.conf);
  if (!conf || !doveconfInstalled()) return undefined;
  const scratch = await mkdtemp(join(tmpdir(), 'mta-seed-dovecot-'));
  try {
    const planned = new Map(files.map((p) => [p.path, p]));
    const dropIns = (await readdir(f.confD).catch(() => [] as string[]))
      .filter((n) => DROP_IN.test(n))
      .map((n) => join(f.confD, n))
      .filter((p) => !planned.has(p));
    const inConf = (p: string) => p.startsWith(`${paths.dovecotConf}/`);
    // Planned files outside dovecot's directory that its files name (certificates made this run).
    const named = [...planned.keys()].filter((p) => !inConf(p) && files.some((x) => inConf(x.path) && String(x.content).includes(p)));
    const live = [paths.dovecotConf, ...named];
    for (const p of [...planned.values()].filter((x) => inConf(x.path) || named.includes(x.path))) {
      const to = join(scratch, p.path);
      await mkdir(dirname(to), { recursive: true });
      await writeFile(to, inConf(p.path) ? redirect(String(p.content), live, scratch) : p.content);
    }
    for (const p of dropIns) {
      await mkdir(dirname(join(scratch, p)), { recursive: true });
      await copyFile(p, join(scratch, p));
    }
    try {
      await run('doveconf', ['-n', '-c', join(scratch, f.conf)], { timeoutMs: 30_000 });
      return undefined;
    } catch (e) {
      if (!(e instanceof ExecError)) throw e;
      const said = (e.stderrTail || e.message).split(`${scratch}/`).join('/').split(scratch).join('');
      return `configuration rejected by dovecot (doveconf -n): ${said.replace(/\s+/g, ' ').trim()}`;
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
