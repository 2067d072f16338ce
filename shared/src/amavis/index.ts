export * from './daemon.ts';
export * from './reload.ts';
