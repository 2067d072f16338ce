import { isSet } from './rule.ts';
import type { ParsedView } from './spec.ts';

// The variables that switch on each LDAP and MySQL use, as in the seed: a use is on when its own variables are set,
// whatever the other uses do. The rules on the specs check that an use's required variables are complete.
const LDAP_USES = {
  mailboxes: ['LDAP_QUERY_FILTER_USER'],
  aliases: ['LDAP_QUERY_FILTER_ALIAS'],
  groups: ['LDAP_QUERY_FILTER_GROUP', 'LDAP_QUERY_FILTER_EXPAND'],
  sasl: ['LDAP_QUERY_ATTRS_PASS'],
} as const;
const MYSQL_USES = {
  mailboxes: ['MYSQL_QUERY_USER'],
  aliases: ['MYSQL_QUERY_ALIAS'],
  sasl: ['MYSQL_QUERY_PASS'],
} as const;
export type LookupUse = 'mailboxes' | 'aliases' | 'groups' | 'sasl';

export const LDAP_SWITCHES: readonly string[] = Object.values(LDAP_USES).flat();
export const MYSQL_SWITCHES: readonly string[] = Object.values(MYSQL_USES).flat();

const on = (config: ParsedView, uses: Readonly<Record<string, readonly string[]>>): LookupUse[] =>
  Object.entries(uses)
    .filter(([, vars]) => vars.some((v) => isSet(config, v)))
    .map(([use]) => use as LookupUse);

// The LDAP uses this environment switches on.
export const ldapUses = (config: ParsedView): LookupUse[] => on(config, LDAP_USES);

// The variables that make domains local (mail for them is delivered here); without any, the container only relays.
export const MAILBOX_SOURCES = ['MAIL_BOXES', 'LDAP_QUERY_FILTER_USER', 'MYSQL_QUERY_USER'] as const;

// The mailbox sources this environment configures; empty means relay only.
export const mailboxSources = (config: ParsedView): string[] => MAILBOX_SOURCES.filter((v) => isSet(config, v));
