import { type MtaPaths, signalPostfixMaster, writeIfChanged } from '@mta/shared';
import type { Ban } from './ban.ts';

const HEADER = '# Bans of the mta guard sidecar (mta guard ls); rewritten by it, never by hand.\n';

// postfix: a cidr table for check_client_access and postscreen_access_list (REJECT = denylisted).
export function renderPostfixMap(bans: readonly Ban[]): string {
  return HEADER + bans.map((b) => `${b.ip}\tREJECT\n`).join('');
}

// dovecot: a deny passdb keyed by MD5(client address), as its username_format=%M{rip} computes it.
export function renderDovecotMap(bans: readonly Ban[]): string {
  if (!bans.length) return HEADER;
  // node:crypto only once there is a ban to write: an idle guard never holds it.
  const { createHash } = process.getBuiltinModule('node:crypto');
  return HEADER + bans.map((b) => `# ${b.ip} until ${b.until}\n${createHash('md5').update(b.ip).digest('hex')}:\n`).join('');
}

export interface MapsResult {
  postfix: boolean;
  dovecot: boolean;
  reload?: 'reloaded' | 'not running';
}

// Writes both maps when their content changed; postfix re-reads a cidr table only on reload (its running smtpd
// processes finish their session first), dovecot re-reads its passwd-file when it changes.
export async function applyMaps(paths: MtaPaths, bans: readonly Ban[], opts: { dovecot: boolean }): Promise<MapsResult> {
  const postfix = await writeIfChanged(paths.guardPostfixMap, renderPostfixMap(bans), { mode: 0o644 });
  const dovecot = opts.dovecot ? await writeIfChanged(paths.guardDovecotMap, renderDovecotMap(bans), { mode: 0o644 }) : false;
  const reload = postfix ? await signalPostfixMaster(paths.postfixQueue) : undefined;
  return reload ? { postfix, dovecot, reload } : { postfix, dovecot };
}
