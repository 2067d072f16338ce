import { join } from 'node:path';
import { type Alias, mailboxSources } from '@mta/shared';
import type { PlanPart, RenderContext } from '../plan.ts';
import { postfixTables, TABLE_TYPE, TableSource, VMAIL, withIndex } from './tables.ts';

// A bare local part means "at the primary domain", as in the seed's MAIL_ALIASES="root:info,…".
export const completeAddress = (s: string, primary: string): string => (s.includes('@') ? s : `${s}@${primary}`);

// An alias's targets as its table value: each once, in first-seen order, joined. Kept joined (targets never hold a
// comma): an array or a set per alias was ~40 MB of the seed's peak at 100,000 aliases. An alias listed again (rare)
// is merged from its joined value.
function addTargets(joined: string | undefined, targets: readonly string[]): string {
  const list = joined === undefined ? [] : joined.split(', ');
  const seen = list.length + targets.length > 32 ? new Set(list) : undefined;
  for (const t of targets)
    if (!(seen ? seen.has(t) : list.includes(t))) {
      list.push(t);
      seen?.add(t);
    }
  return list.join(', ');
}

const aliasKey = (a: Alias, primary: string): string => (a.alias.startsWith('@') ? a.alias : completeAddress(a.alias, primary));
// An alias's first (or only) entry straight to its value, without the lists addTargets merges through: this runs
// once per alias (100,000 at the largest site measured) and the sidecars run in --lite-mode, where each call and
// array made per entry is interpreted.
function aliasTargets(a: Alias, primary: string, joined?: string): string {
  const { targets } = a;
  if (joined !== undefined || targets.length > 32) {
    const full: string[] = [];
    for (const t of targets) full.push(completeAddress(t.toLowerCase(), primary));
    return addTargets(joined, full);
  }
  let first: string | undefined;
  let rest: string[] | undefined;
  let value = '';
  for (const t of targets) {
    const full = completeAddress(t.toLowerCase(), primary);
    if (first === undefined) value = first = full;
    else if (full !== first && !rest?.includes(full)) {
      (rest ??= []).push(full);
      value += `, ${full}`;
    }
  }
  return value;
}

// MAIL_ALIASES as table lines, in one pass while no alias is listed twice (the usual list). An alias listed again
// (rare) is merged into the line of its first entry: the table is made again, the repeated aliases found first and
// only their joined values held (one per alias for the whole list was ~20 MB at 100,000 aliases).
function aliasTable(list: Iterable<Alias>, primary: string): TableSource {
  const seen = new Set<string>();
  let out = new TableSource();
  let repeated = false;
  for (const a of list) {
    const key = aliasKey(a, primary);
    if (seen.has(key)) {
      repeated = true;
      break;
    }
    seen.add(key);
    out.add(key, aliasTargets(a, primary));
  }
  if (!repeated) return out;
  const merged = new Map<string, string | undefined>();
  seen.clear();
  for (const a of list) {
    const key = aliasKey(a, primary);
    if (seen.has(key)) merged.set(key, undefined);
    else seen.add(key);
  }
  seen.clear();
  for (const a of list) {
    const key = aliasKey(a, primary);
    if (merged.has(key)) merged.set(key, aliasTargets(a, primary, merged.get(key)));
  }
  out = new TableSource();
  for (const a of list) {
    const key = aliasKey(a, primary);
    if (!merged.has(key)) out.add(key, aliasTargets(a, primary));
    else if (!seen.has(key)) {
      seen.add(key);
      out.add(key, merged.get(key) as string);
    }
  }
  return out;
}

// MAIL_DOMAIN as virtual mailbox domains, MAIL_BOXES/MAIL_ALIASES as hashed tables. Unknown recipients are
// rejected at RCPT because smtpd checks these maps (smtpd_reject_unlisted_recipient). As in the seed, domains are
// local only when a mailbox source exists: without one the container is a plain relay, and mail for its own domain
// leaves like any other (through RELAYHOST or DNS); the domain then only names the origin of local mail.
export function renderDomains(ctx: RenderContext): PlanPart {
  const { config, paths } = ctx;
  const domains = config.MAIL_DOMAIN ?? [];
  const primary = domains[0] ?? '';
  const relayOnly = mailboxSources(config).length === 0;
  const tables = postfixTables(paths);
  const warnings: string[] = [];
  const part: Required<Pick<PlanPart, 'postconf' | 'postconfLists' | 'files' | 'dirs' | 'remove'>> = {
    postconf: {
      virtual_mailbox_domains: relayOnly ? '' : domains.join(' '),
      ...(relayOnly && primary ? { myorigin: '$mydomain' } : {}),
      virtual_mailbox_base: paths.mail,
      virtual_uid_maps: `static:${VMAIL.uid}`,
      virtual_gid_maps: `static:${VMAIL.gid}`,
    },
    postconfLists: {},
    files: [],
    dirs: [{ path: paths.mail, mode: 0o750, owner: VMAIL.user, group: VMAIL.user }],
    remove: [],
  };

  // Each list is read an entry at a time (EntryList) into the table's bytes; only the addresses seen are held, to
  // drop a repeated one.
  const boxes = new TableSource();
  const seen = new Set<string>();
  // `addr:dir/box` (as the seed allowed): virtual(8) creates neither the mailbox's parent directory nor its lock file
  // there, so every parent exists, owned by vmail, before the first delivery. (An address as path has no parent.)
  const parents = new Set<string>();
  for (const b of config.MAIL_BOXES) {
    if (seen.has(b.address)) {
      warnings.push(`MAIL_BOXES: ${b.address} listed twice; the first entry is used`);
      continue;
    }
    seen.add(b.address);
    boxes.add(b.address, b.path ?? b.address);
    if (!b.path?.includes('/')) continue;
    const segments = b.path.split('/').filter(Boolean);
    for (let i = 1; i < segments.length; i++) parents.add(segments.slice(0, i).join('/'));
  }
  seen.clear();
  for (const p of [...parents].sort()) part.dirs.push({ path: join(paths.mail, p), mode: 0o750, owner: VMAIL.user, group: VMAIL.user });
  if (!boxes.empty) {
    part.files.push({ path: tables.mailboxes, content: boxes.bytes(), mode: 0o644, postmap: TABLE_TYPE });
    part.postconfLists.virtual_mailbox_maps = [`${TABLE_TYPE}:${tables.mailboxes}`];
  } else part.remove.push(...withIndex(tables.mailboxes));

  const aliases = aliasTable(config.MAIL_ALIASES, primary);
  if (!aliases.empty) {
    part.files.push({ path: tables.aliases, content: aliases.bytes(), mode: 0o644, postmap: TABLE_TYPE });
    part.postconfLists.virtual_alias_maps = [`${TABLE_TYPE}:${tables.aliases}`];
  } else part.remove.push(...withIndex(tables.aliases));
  return { ...part, warnings };
}
