import { join } from 'node:path';
import type { DovecotSyntax } from './daemons/fact.ts';
import type { MtaPaths } from './paths.ts';

// Where the guard's bans reach the daemons; the seed wires these into postfix and dovecot, the guard keeps them.
// postfix: an lmdb table keyed by client address, read by check_client_access (updated in place: no reload).
export const GUARD_TABLE_TYPE = 'lmdb';
export const guardPostfixRef = (paths: MtaPaths): string => `${GUARD_TABLE_TYPE}:${paths.guardPostfixTable}`;

// dovecot: a deny passdb keyed by MD5(client address), spread over 16^digits passwd-files named by the hash's first
// hex digits (dovecot re-reads a changed passwd-file whole: one ban rewrites one small file).
export const GUARD_DENY_SHARD_DIGITS = 2;

// The deny passdb's lookup: which file (by the first hex digits of the key) and the key (the client address's MD5 in
// hex). Both syntaxes compute the same key, so the guard's files serve either dovecot.
export interface GuardDenyLookup {
  path: string;
  key: string;
}

export function guardDenyLookup(paths: MtaPaths, syntax: DovecotSyntax): GuardDenyLookup {
  const d = GUARD_DENY_SHARD_DIGITS;
  if (syntax === '2.3') return { path: join(paths.guardDovecotDir, `%${d}M{rip}`), key: '%M{rip}' };
  return { path: join(paths.guardDovecotDir, `%{remote_ip | md5 | hexlify | substr(0, ${d})}`), key: '%{remote_ip | md5 | hexlify}' };
}
