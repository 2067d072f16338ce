import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MtaPaths } from '@mta/shared';
import type { PostfixBase } from './stage.ts';

const read = (p: string) => readFile(p, 'utf8').catch(() => undefined);

// Postfix config the seed renders onto: the pristine copy shipped in the image (so removed variables disappear),
// or the live one when no pristine copy exists.
export async function postfixBase(paths: MtaPaths): Promise<{ base?: PostfixBase; source: string }> {
  for (const dir of [join(paths.pristine, 'postfix'), paths.postfixConf]) {
    const [main, master] = await Promise.all([read(join(dir, 'main.cf')), read(join(dir, 'master.cf'))]);
    if (main !== undefined && master !== undefined) return { base: { main, master }, source: dir };
  }
  return { source: join(paths.pristine, 'postfix') };
}
