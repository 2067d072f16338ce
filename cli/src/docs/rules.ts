// Rules that apply to names the schema cannot list (postfix and dovecot pass-through) or to every variable.
// Kept beside the generator so configuration.md and `mta config explain` state them the same way.
export const GENERIC_RULES: readonly { title: string; body: string }[] = [
  {
    title: 'When the environment is applied',
    body: `The seed step renders the configuration on the first start (while \`DOCKER_UNLOCK_FILE\` exists) or when \`FORCE_CONFIG\` is non-empty; otherwise the files under \`/srv/etc\` are used as they are. Every variable is validated first and all errors are reported at once (\`mta config check\`); nothing is written when one is invalid.`,
  },
  {
    title: 'Postfix parameters (UPPERCASE pass-through)',
    body: `Any UPPERCASE variable whose lowercase name is a postfix parameter (as \`postconf\` inside the container reports) is applied with \`postconf\`, e.g. \`SMTPD_HELO_REQUIRED=yes\` sets \`smtpd_helo_required = yes\`. Variables marked "postfix" below are validated before they are applied; other postfix parameters are passed as given. Names the image reserves (\`MAIL_*\`, \`LDAP_*\`, \`MYSQL_*\`, \`DKIM_*\`, \`SA_*\`, \`FINAL_*\`, \`ACME_*\`, \`SMTP_RELAY_HOSTAUTH\`, \`SMTPD_SASL_*\`) follow their own rules.`,
  },
  {
    title: 'Dovecot settings (DOVECOT_*)',
    body: `\`DOVECOT_X\` is applied as the dovecot setting \`x\` when dovecot knows it (as \`doveconf\` reports), e.g. \`DOVECOT_AUTH_USERNAME_FORMAT=%Ln\`. Only in the base and full variants. With Dovecot 2.4 (Debian trixie) a variable named after a 2.3 setting that 2.4 renamed is carried over where the meaning is the same (\`DOVECOT_DISABLE_PLAINTEXT_AUTH=yes\` becomes \`auth_allow_cleartext = no\`, \`DOVECOT_SSL_CERT=</path\` \`ssl_server_cert_file = /path\`, \`DOVECOT_MAIL_LOCATION=maildir:~/Maildir\` \`mail_driver\` and \`mail_path\`), with a warning to use the 2.4 name, else refused naming the 2.4 setting; 2.3 variables in values (\`%Ln\`, \`'%u'\` in \`MYSQL_QUERY_PASS\` and the LDAP filters) become 2.4's (\`%{user | username | lower}\`), and one with no 2.4 form (\`%2Mu\`) is refused. The seed checks the rendered dovecot configuration, and any \`conf.d/*-mta-*.conf\` of your own, with \`doveconf -n\` before writing anything: a refusal names the file.`,
  },
  {
    title: 'Secrets from files (X__FILE)',
    body: `Any variable \`X\` may be given as \`X__FILE=/path\` instead (docker or compose secrets): the file's content, trailing newline removed, is the value. Giving both \`X\` and \`X__FILE\` is an error. Variables marked "secret" are never printed: logs, errors and events show \`[redacted]\`.`,
  },
  {
    title: 'Empty values',
    body: `An empty variable (\`X=\`) is the same as an unset one and takes the default, except where the entry says "empty value".`,
  },
];
