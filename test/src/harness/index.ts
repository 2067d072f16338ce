export * from './daemon.ts';
export * from './nats.ts';
export * from './net.ts';
export * from './postfix.ts';
export * from './swaks.ts';
export * from './tmp.ts';
