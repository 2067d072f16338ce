import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, run } from '@mta/shared';
import { POSTFIX_TLS_PARAMS, type PostfixTls, postfixTlsEdits } from './render.ts';

// main.cf identity when it last was found right: a rotation then skips the postconf query (latency).
const verified = new Map<string, string>();
const identity = async (confDir: string) => {
  const st = await stat(join(confDir, 'main.cf'));
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
};

// Makes postfix (config dir confDir) serve chainPath; returns whether main.cf changed.
export async function ensurePostfixTls(confDir: string, chainPath: string, log?: Logger): Promise<boolean> {
  const key = `${confDir}\0${chainPath}`;
  if (verified.get(key) === (await identity(confDir).catch(() => ''))) return false;
  const r = await run('postconf', ['-c', confDir, '-h', ...POSTFIX_TLS_PARAMS], { log, timeoutMs: 15_000 });
  const values = r.stdout.split('\n');
  const cur = Object.fromEntries(POSTFIX_TLS_PARAMS.map((p, i) => [p, values[i] ?? ''])) as unknown as PostfixTls;
  const edits = postfixTlsEdits(cur, chainPath);
  if (edits.length) {
    await run('postconf', ['-c', confDir, '-e', ...edits], { log, timeoutMs: 15_000 });
    log?.info({ event: 'acme.postfix.configured', edits }, 'postfix now serves the acme chain file');
  }
  verified.set(key, await identity(confDir));
  return edits.length > 0;
}
