// The SASL environments the dovecot renderer tests share: LDAP bind, MySQL, and every method at once.
export const LDAP = {
  LDAP_HOST: 'ldap://auth:389',
  LDAP_USER_BASE: 'ou=people,dc=example,dc=com',
  LDAP_QUERY_FILTER_USER: '(&(objectclass=posixAccount)(mail=%s))',
  LDAP_QUERY_ATTRS_PASS: 'uid=user',
};
export const MYSQL = {
  MYSQL_HOST: 'db:3307',
  MYSQL_DATABASE: 'postfix',
  MYSQL_QUERY_USER: 'select 1',
  MYSQL_QUERY_PASS: "select user, password from users where user='%u'",
};
export const ALL = { ...LDAP, ...MYSQL, SMTPD_SASL_CLIENTAUTH: 'c1:{plain}p1', SMTPD_SASL_IMAPHOST: 'app:1143' };
