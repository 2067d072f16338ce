import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, run, TABLE_TYPE, writeTable } from '@mta/shared';
import { POSTFIX_TLS_PARAMS, type PostfixTls, postfixTlsEdits } from './render.ts';

// main.cf identity when it last was found right: a rotation then skips the postconf query (latency).
const verified = new Map<string, string>();
const identity = async (confDir: string) => {
  const st = await stat(join(confDir, 'main.cf'));
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
};

export interface PostfixTlsFiles {
  chain: string;
  // Source of the SNI table; the index next to it is what smtpd opens.
  sni: string;
}

export interface PostfixTlsChange {
  // The SNI table was rebuilt: running smtpd processes exit before their next connection, new ones read the files.
  table: boolean;
  // main.cf was edited: only a postfix reload makes the daemons read it.
  mainCf: boolean;
}

// Makes postfix (config dir confDir) serve the chain file. The SNI table comes first: main.cf may name it next, and
// an smtpd started then must find it.
export async function ensurePostfixTls(confDir: string, f: PostfixTlsFiles, sniSource: string, log?: Logger): Promise<PostfixTlsChange> {
  // 0600 root: postmap -F stores the chain file's private key in the index; smtpd opens it before dropping privileges.
  const table = await writeTable({ path: f.sni, content: sniSource, type: TABLE_TYPE, mode: 0o600, configDir: confDir, rhsIsFile: true });
  const key = `${confDir}\0${f.chain}`;
  if (verified.get(key) === (await identity(confDir).catch(() => ''))) return { table, mainCf: false };
  const r = await run('postconf', ['-c', confDir, '-h', ...POSTFIX_TLS_PARAMS], { log, timeoutMs: 15_000 });
  const values = r.stdout.split('\n');
  const cur = Object.fromEntries(POSTFIX_TLS_PARAMS.map((p, i) => [p, values[i] ?? ''])) as unknown as PostfixTls;
  const edits = postfixTlsEdits(cur, f.chain, `${TABLE_TYPE}:${f.sni}`);
  if (edits.length) {
    await run('postconf', ['-c', confDir, '-e', ...edits], { log, timeoutMs: 15_000 });
    log?.info({ event: 'acme.postfix.configured', edits }, 'postfix now serves the acme chain file');
  }
  verified.set(key, await identity(confDir));
  return { table, mainCf: edits.length > 0 };
}
