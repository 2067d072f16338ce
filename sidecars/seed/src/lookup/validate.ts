import type { Config, EnvIssue } from '@mta/shared';

type Key = keyof Config;

// Variables that only mean something together: a half-configured group is an error naming what is missing,
// never a silently ignored setting.
const NEEDS: [Key, Key][] = [
  ['LDAP_USER_BASE', 'LDAP_HOST'],
  ['LDAP_QUERY_FILTER_USER', 'LDAP_HOST'],
  ['LDAP_GROUP_BASE', 'LDAP_HOST'],
  ['LDAP_QUERY_FILTER_ALIAS', 'LDAP_HOST'],
  ['LDAP_QUERY_FILTER_GROUP', 'LDAP_QUERY_FILTER_EXPAND'],
  ['LDAP_QUERY_FILTER_EXPAND', 'LDAP_QUERY_FILTER_GROUP'],
  ['LDAP_QUERY_FILTER_GROUP', 'LDAP_HOST'],
  ['LDAP_BIND_DN', 'LDAP_BIND_PW'],
  ['LDAP_BIND_PW', 'LDAP_BIND_DN'],
  ['LDAP_BIND_DN', 'LDAP_HOST'],
  ['LDAP_QUERY_FILTER_PASS', 'LDAP_QUERY_ATTRS_PASS'],
  ['MYSQL_DATABASE', 'MYSQL_HOST'],
  ['MYSQL_QUERY_USER', 'MYSQL_HOST'],
  ['MYSQL_QUERY_ALIAS', 'MYSQL_HOST'],
  ['MYSQL_QUERY_ALIAS', 'MYSQL_QUERY_USER'],
  ['MYSQL_USER', 'MYSQL_HOST'],
  ['MYSQL_PASSWORD', 'MYSQL_USER'],
];

const set = (c: Config, k: Key): boolean => {
  const v = c[k];
  return v !== undefined && v !== '' && !(Array.isArray(v) && !v.length);
};

// One issue per missing partner, reported on the variable the user has to add.
export function lookupGroupIssues(c: Config): EnvIssue[] {
  const out = new Map<string, string[]>();
  for (const [given, needed] of NEEDS) if (set(c, given) && !set(c, needed)) out.set(needed, [...(out.get(needed) ?? []), given]);
  return [...out].map(([variable, by]) => ({ variable, message: `required when ${by.join(', ')} ${by.length > 1 ? 'are' : 'is'} set` }));
}
