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
    body: `\`DOVECOT_X\` is applied as the dovecot setting \`x\` when dovecot knows it (as \`doveconf\` reports), e.g. \`DOVECOT_AUTH_USERNAME_FORMAT=%Ln\`. Only in the base and full variants.`,
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
