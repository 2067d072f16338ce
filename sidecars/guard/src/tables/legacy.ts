import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type MtaPaths, writeIfChanged } from '@mta/shared';

const EMPTY = '# No longer used: the guard keeps its bans in mta-guard.lmdb (postfix) and mta-guard/ (dovecot).\n';

// The maps of earlier versions (a cidr table that needed a postfix reload, and one dovecot deny file). A main.cf or
// dovecot.conf seeded by such a version still names them until the next seeding: they are emptied, so no ban
// outlives `mta guard unban`, and the caller warns that the bans apply only after seeding again. True when the
// configuration still names an old map.
export async function retireLegacyMaps(paths: MtaPaths): Promise<boolean> {
  const cidr = join(paths.postfixConf, 'mta-guard.cidr');
  const deny = join(paths.dovecotConf, 'mta-guard.deny');
  for (const f of [cidr, deny]) if (await readFile(f).catch(() => undefined)) await writeIfChanged(f, EMPTY, { mode: 0o644 });
  const read = (dir: string, name: string) => readFile(join(dir, name), 'utf8').catch(() => '');
  const postfix = (await read(paths.postfixConf, 'main.cf')) + (await read(paths.postfixConf, 'master.cf'));
  return postfix.includes('mta-guard.cidr') || (await read(paths.dovecotConf, 'dovecot.conf')).includes('mta-guard.deny');
}
