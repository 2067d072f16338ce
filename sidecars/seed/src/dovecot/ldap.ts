import type { Config } from '@mta/shared';
import { settingLines } from './quote.ts';

// The seed's reconstruction: `(mail=%s)` in the mailbox filter becomes `(<attr>=%u)` when no pass filter is given
// (the env rules require LDAP_QUERY_FILTER_PASS when there is nothing to derive it from).
export function ldapPassFilter(config: Config): string {
  if (config.LDAP_QUERY_FILTER_PASS) return config.LDAP_QUERY_FILTER_PASS;
  const attr = config.LDAP_QUERY_ATTRS_PASS?.attribute ?? 'uid';
  return (config.LDAP_QUERY_FILTER_USER ?? '').split('(mail=%s)').join(`(${attr}=%u)`);
}

// dovecot-ldap.conf.ext for authentication binds: find the user's DN (as LDAP_BIND_DN if set), then bind as the user.
export function renderLdapPassdb(config: Config): string {
  const filter = ldapPassFilter(config);
  const lines = settingLines({
    uris: config.LDAP_HOST,
    ldap_version: '3',
    base: config.LDAP_USER_BASE,
    scope: 'subtree',
    deref: 'never',
    auth_bind: 'yes',
    pass_filter: filter,
    pass_attrs: config.LDAP_QUERY_ATTRS_PASS?.mapping,
    dn: config.LDAP_BIND_DN || undefined,
    dnpass: config.LDAP_BIND_DN ? (config.LDAP_BIND_PW ?? '') : undefined,
  });
  return `${lines.join('\n')}\n`;
}
