import { type DovecotSyntax, dovecotSyntax } from '../daemons/fact.ts';
import type { MtaPaths } from '../paths.ts';
import { readEffective } from './file.ts';

// The syntax the seeded dovecot files are in, from the effective configuration's daemons fact: what a process that
// edits them (acme-watch's TLS include) writes, without asking dovecot again. No file or no fact: 2.3, the syntax of
// every image before the fact existed.
export async function seededDovecotSyntax(paths: Pick<MtaPaths, 'effective'>): Promise<DovecotSyntax> {
  const effective = await readEffective(paths.effective).catch(() => undefined);
  return dovecotSyntax(effective?.facts.daemons);
}

// The postfix version the seeded main.cf was rendered for (the daemons fact), or undefined (no file or no fact).
export async function seededPostfixVersion(paths: Pick<MtaPaths, 'effective'>): Promise<string | undefined> {
  const effective = await readEffective(paths.effective).catch(() => undefined);
  return effective?.facts.daemons?.postfix;
}
