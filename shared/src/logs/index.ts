export * from './amavis.ts';
export * from './dovecot.ts';
export * from './events.ts';
export * from './follow.ts';
export * from './line.ts';
export * from './mail-log.ts';
export * from './postfix.ts';
export * from './sidecar-log.ts';
