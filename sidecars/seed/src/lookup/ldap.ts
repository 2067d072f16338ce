import { join } from 'node:path';
import { ldapUses } from '@mta/shared';
import type { PlannedFile, PlanPart, RenderContext } from '../plan.ts';
import { cfFile } from './cf.ts';

// Table file names of the seed, so existing volumes and docs keep matching.
const LDAP_TABLES = {
  users: 'ldap-users.cf',
  aliases: 'ldap-aliases.cf',
  groups: 'ldap-groups.cf',
  expand: 'ldap-groups-expand.cf',
} as const;

// Group members come back as bare uids, which postfix qualifies with @$myorigin (= HOSTNAME) before looking them
// up again: the expand table matches the uid part (%u) of exactly those keys, so foreign addresses are never rewritten.
export function expandQuery(hostname: string | undefined, filter: string): [string, Record<string, string>] {
  const byUid = filter.split('%s').join('%u');
  return [byUid, hostname?.includes('.') ? { domain: hostname } : {}];
}

// Postfix LDAP lookups, each switched on by its own variables: mailboxes, aliases, and groups whose memberUid values
// are expanded to mail. LDAP used for SASL only has no postfix table.
export function renderLdapLookups(ctx: RenderContext): PlanPart {
  const { config } = ctx;
  const uses = ldapUses(config);
  if (!config.LDAP_HOST || !config.LDAP_USER_BASE) return {};
  const bind = config.LDAP_BIND_DN ? { bind: 'yes', bind_dn: config.LDAP_BIND_DN, bind_pw: config.LDAP_BIND_PW ?? '' } : { bind: 'no' };
  const secret = !!config.LDAP_BIND_DN && !!config.LDAP_BIND_PW;
  const table = (name: string, base: string, attr: string, filter: string, extra: Record<string, string> = {}) =>
    cfFile(
      join(ctx.paths.postfixConf, name),
      {
        server_host: config.LDAP_HOST,
        search_base: base,
        version: '3',
        scope: 'sub',
        query_filter: filter,
        result_attribute: attr,
        ...extra,
        ...bind,
      },
      secret,
    );
  const ref = (name: string) => `ldap:${join(ctx.paths.postfixConf, name)}`;
  const files: PlannedFile[] = [];
  const postconfLists: Record<string, string[]> = {};
  if (uses.includes('mailboxes') && config.LDAP_QUERY_FILTER_USER) {
    files.push(table(LDAP_TABLES.users, config.LDAP_USER_BASE, config.LDAP_QUERY_ATTRS_USER ?? 'mail', config.LDAP_QUERY_FILTER_USER));
    postconfLists.virtual_mailbox_maps = [ref(LDAP_TABLES.users)];
  }
  const aliasMaps: string[] = [];
  if (config.LDAP_QUERY_FILTER_ALIAS) {
    files.push(table(LDAP_TABLES.aliases, config.LDAP_USER_BASE, 'mail', config.LDAP_QUERY_FILTER_ALIAS));
    aliasMaps.push(ref(LDAP_TABLES.aliases));
  }
  if (config.LDAP_QUERY_FILTER_GROUP && config.LDAP_QUERY_FILTER_EXPAND) {
    const groupBase = config.LDAP_GROUP_BASE ?? config.LDAP_USER_BASE;
    files.push(table(LDAP_TABLES.groups, groupBase, 'memberUid', config.LDAP_QUERY_FILTER_GROUP));
    files.push(table(LDAP_TABLES.expand, config.LDAP_USER_BASE, 'mail', ...expandQuery(config.HOSTNAME, config.LDAP_QUERY_FILTER_EXPAND)));
    aliasMaps.push(ref(LDAP_TABLES.groups), ref(LDAP_TABLES.expand));
  }
  if (aliasMaps.length) postconfLists.virtual_alias_maps = aliasMaps;
  return { files, postconfLists };
}
