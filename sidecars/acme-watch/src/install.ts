import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DovecotSyntax, Logger } from '@mta/shared';
import { tableIndex, writeIfChanged } from '@mta/shared';
import { ensureDovecotTls } from './dovecot.ts';
import type { CertInfo } from './inspect.ts';
import { ensurePostfixTls } from './postfix.ts';
import { chainFile, sniTableSource } from './render.ts';

// Where the certificate goes and which configs point at it (mtaPaths in production, temp dirs in tests).
export interface Targets {
  acmeDir: string;
  postfixConf: string;
  dovecotTls: string;
  dovecotConf: string;
  // The syntax of the seeded dovecot files (seededDovecotSyntax); 2.3 when not given.
  dovecotSyntax?: DovecotSyntax;
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
  // main.cf edited (postfix must reload); new files alone reach new smtpd processes without one (see postfix.ts).
  postfixChanged: boolean;
  sniChanged: boolean;
  // undefined: this variant has no dovecot.
  dovecotChanged: boolean | undefined;
}

export const targetFiles = (acmeDir: string) => ({
  chain: join(acmeDir, 'chain.pem'),
  cert: join(acmeDir, 'cert.pem'),
  key: join(acmeDir, 'key.pem'),
  state: join(acmeDir, 'installed.json'),
  sni: join(acmeDir, 'sni'),
  sniIndex: tableIndex(join(acmeDir, 'sni')),
});

const sha256 = (text: string) => process.getBuiltinModule('node:crypto').createHash('sha256').update(text).digest('hex');

// Writes only what differs (so the same certificate is never installed twice): chain.pem, then the SNI table
// naming it, whose rename retires the running smtpd processes. installed.json carries the public facts for
// `mta status`.
export async function installFiles(t: Targets, c: Servable, source: string, log?: Logger): Promise<InstallResult> {
  const f = targetFiles(t.acmeDir);
  await mkdir(t.acmeDir, { recursive: true, mode: 0o755 });
  const key = await writeIfChanged(f.key, c.keyPem, { mode: 0o600 });
  const cert = await writeIfChanged(f.cert, c.chainPem, { mode: 0o644 });
  const chainText = chainFile(c.keyPem, c.chainPem);
  const chain = await writeIfChanged(f.chain, chainText, { mode: 0o600 });
  const state = { ...c.info, source, resolver: c.resolver ?? null, main: c.main };
  await writeIfChanged(f.state, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
  const pf = await ensurePostfixTls(t.postfixConf, f, sniTableSource(c.info.sans, f.chain, sha256(chainText)), log);
  const dovecotChanged = await ensureDovecotTls(t.dovecotTls, f.cert, f.key, t.dovecotSyntax);
  return { filesChanged: key || cert || chain, postfixChanged: pf.mainCf, sniChanged: pf.table, dovecotChanged };
}
