import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type DovecotSyntax, ExecError, type Logger, run, writeIfChanged } from '@mta/shared';
import { dovecotTlsConf } from './render.ts';

// Rewrites the TLS include; undefined when this variant has no dovecot (no conf.d directory).
export async function ensureDovecotTls(
  tlsConf: string,
  certPath: string,
  keyPath: string,
  syntax: DovecotSyntax = '2.3',
): Promise<boolean | undefined> {
  if (!existsSync(dirname(tlsConf))) return undefined;
  const existing = await readFile(tlsConf, 'utf8').catch(() => undefined);
  return writeIfChanged(tlsConf, dovecotTlsConf(existing, certPath, keyPath, syntax), { mode: 0o644 });
}

export type DovecotReload = 'reloaded' | 'not running' | 'absent';

// `doveadm reload` re-reads the certificate files; a stopped dovecot picks them up when it starts.
export async function reloadDovecot(confDir: string, log?: Logger): Promise<DovecotReload> {
  const conf = join(confDir, 'dovecot.conf');
  if (!existsSync(conf)) return 'absent';
  try {
    await run('doveadm', ['-c', conf, 'reload'], { log, timeoutMs: 15_000 });
    return 'reloaded';
  } catch (e) {
    if (e instanceof ExecError && /not running|no such file|connect\(/i.test(e.message)) return 'not running';
    if (e instanceof ExecError && e.exitCode === undefined && /not found/.test(e.message)) return 'absent';
    throw e;
  }
}
