import type { Config } from '@mta/shared';
import { settingLines } from './quote.ts';

// The seed's reconstruction: `(mail=%s)` in the mailbox filter becomes `(<attr>=%u)` when no pass filter is given
// (the env rules require LDAP_QUERY_FILTER_PASS when there is nothing to derive it from).
export function ldapPassFilter(config: Config): string {
  if (config.LDAP_QUERY_FILTER_PASS) return config.LDAP_QUERY_FILTER_PASS;
  const attr = config.LDAP_QUERY_ATTRS_PASS?.attribute ?? 'uid';
  return (config.LDAP_QUERY_FILTER_USER ?? '').split('(mail=%s)').join(`(${attr}=%u)`);
}

// The authentication bind, whatever the syntax: find the user's DN (as LDAP_BIND_DN if set), then bind as the user.
export interface LdapPassdb {
  uris: string;
  base: string;
  // In 2.3 variable syntax (%u), as the operator writes it.
  filter: string;
  // The attribute holding the login name (LDAP_QUERY_ATTRS_PASS: <attribute>=user).
  attribute: string;
  dn?: string;
  dnpass?: string;
}

export const ldapPassdb = (config: Config): LdapPassdb => ({
  uris: config.LDAP_HOST ?? '',
  base: config.LDAP_USER_BASE ?? '',
  filter: ldapPassFilter(config),
  attribute: config.LDAP_QUERY_ATTRS_PASS?.attribute ?? 'uid',
  ...(config.LDAP_BIND_DN ? { dn: config.LDAP_BIND_DN, dnpass: config.LDAP_BIND_PW ?? '' } : {}),
});

// dovecot-ldap.conf.ext (2.3), read by the passdb's args.
export function renderLdapPassdb(config: Config): string {
  const l = ldapPassdb(config);
  const lines = settingLines({
    uris: l.uris,
    ldap_version: '3',
    base: l.base,
    scope: 'subtree',
    deref: 'never',
    auth_bind: 'yes',
    pass_filter: l.filter,
    pass_attrs: config.LDAP_QUERY_ATTRS_PASS?.mapping,
    dn: l.dn,
    dnpass: l.dnpass,
  });
  return `${lines.join('\n')}\n`;
}
