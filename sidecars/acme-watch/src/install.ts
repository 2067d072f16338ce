import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@mta/shared';
import { writeIfChanged } from '@mta/shared';
import { ensureDovecotTls } from './dovecot.ts';
import type { CertInfo } from './inspect.ts';
import { ensurePostfixTls } from './postfix.ts';
import { chainFile } from './render.ts';

// Where the certificate goes and which configs point at it (mtaPaths in production, temp dirs in tests).
export interface Targets {
  acmeDir: string;
  postfixConf: string;
  dovecotTls: string;
  dovecotConf: string;
}

export interface Servable {
  keyPem: string;
  chainPem: string;
  info: CertInfo;
  resolver: string | undefined;
  main: string;
}

export interface InstallResult {
  filesChanged: boolean;
  postfixChanged: boolean;
  // undefined: this variant has no dovecot.
  dovecotChanged: boolean | undefined;
}

export const targetFiles = (acmeDir: string) => ({
  chain: join(acmeDir, 'chain.pem'),
  cert: join(acmeDir, 'cert.pem'),
  key: join(acmeDir, 'key.pem'),
  state: join(acmeDir, 'installed.json'),
});

// Writes only what differs (so the same certificate is never installed twice), chain.pem last: that single
// rename is what postfix sees. installed.json carries the public facts for `mta status`.
export async function installFiles(t: Targets, c: Servable, source: string, log?: Logger): Promise<InstallResult> {
  const f = targetFiles(t.acmeDir);
  await mkdir(t.acmeDir, { recursive: true, mode: 0o755 });
  const key = await writeIfChanged(f.key, c.keyPem, { mode: 0o600 });
  const cert = await writeIfChanged(f.cert, c.chainPem, { mode: 0o644 });
  const chain = await writeIfChanged(f.chain, chainFile(c.keyPem, c.chainPem), { mode: 0o600 });
  const state = { ...c.info, source, resolver: c.resolver ?? null, main: c.main };
  await writeIfChanged(f.state, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
  const postfixChanged = await ensurePostfixTls(t.postfixConf, f.chain, log);
  const dovecotChanged = await ensureDovecotTls(t.dovecotTls, f.cert, f.key);
  return { filesChanged: key || cert || chain, postfixChanged, dovecotChanged };
}
