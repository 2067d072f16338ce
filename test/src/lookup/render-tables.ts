import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { renderContext } from '@mta/seed/context';
import { renderLookups } from '@mta/seed/lookup/render';
import type { PlanPart } from '@mta/seed/plan';
import { mtaPaths, parseEnv, type RawEnv } from '@mta/shared';

const id = (kind: 'passwd' | 'group', name: string) => Number(execFileSync('getent', [kind, name]).toString().split(':')[2]);

// Renders the lookup tables for env under root and writes them with their planned modes (the seed applier's job in
// production); returns the part so tests can inspect it.
export function writeLookupTables(root: string, env: RawEnv): PlanPart {
  const parsed = parseEnv({ HOSTNAME: 'mx.example.com', MAIL_DOMAIN: 'example.com', ...env });
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.variable}: ${e.message}`).join('; '));
  const paths = mtaPaths(root);
  const part = renderLookups(renderContext({ config: parsed.config, env: parsed.env, paths, variant: 'full' }));
  mkdirSync(paths.postfixConf, { recursive: true });
  writeFileSync(`${paths.postfixConf}/main.cf`, 'compatibility_level = 3.6\n');
  for (const f of part.files ?? []) {
    writeFileSync(f.path, f.content, { mode: f.mode });
    chownSync(f.path, id('passwd', f.owner ?? 'root'), id('group', f.group ?? 'root'));
  }
  return part;
}

// `postmap -q key table`: the result, or undefined when the key is not found; lookup failures throw.
export function postmapQuery(root: string, key: string, table: string): string | undefined {
  try {
    return execFileSync('postmap', ['-c', mtaPaths(root).postfixConf, '-q', key, table], { stdio: 'pipe' })
      .toString()
      .trim();
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '');
    // Not found is a silent exit 1; a server that refuses or fails makes postmap warn or die.
    if ((e as { status?: number }).status === 1 && !/warning|fatal|error/i.test(stderr)) return undefined;
    throw new Error(`postmap -q ${key} ${table} failed: ${stderr}`);
  }
}
