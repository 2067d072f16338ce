// Daily aggregate reports sent once per domain and day for a node or a whole fleet (DMARC, TLS-RPT).
export * from './days.ts';
export * from './due.ts';
export * from './fleet.ts';
export * from './mail.ts';
export * from './sendmail.ts';
export * from './store.ts';
