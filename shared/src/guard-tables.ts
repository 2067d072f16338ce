import { join } from 'node:path';
import type { MtaPaths } from './paths.ts';

// Where the guard's bans reach the daemons; the seed wires these into postfix and dovecot, the guard keeps them.
// postfix: an lmdb table keyed by client address, read by check_client_access (updated in place: no reload).
export const GUARD_TABLE_TYPE = 'lmdb';
export const guardPostfixRef = (paths: MtaPaths): string => `${GUARD_TABLE_TYPE}:${paths.guardPostfixTable}`;

// dovecot: a deny passdb keyed by MD5(client address), spread over 16^digits passwd-files named by the hash's first
// hex digits (dovecot re-reads a changed passwd-file whole: one ban rewrites one small file).
export const GUARD_DENY_SHARD_DIGITS = 2;
export const guardDenyArgs = (paths: MtaPaths): string =>
  `username_format=%M{rip} ${join(paths.guardDovecotDir, `%${GUARD_DENY_SHARD_DIGITS}M{rip}`)}`;
