export * from './checks.ts';
export * from './parse.ts';
export * from './redact.ts';
export * from './schema.ts';
export * from './spec.ts';
export type { Destiny, RazorRegistration } from './vars/filter-dkim.ts';
export type { Alias, Mailbox } from './vars/mail.ts';
export type { RelayHostAuth, SmtpTlsLevel } from './vars/relay-tls.ts';
export type { SaslClient } from './vars/sasl-ldap-mysql.ts';
