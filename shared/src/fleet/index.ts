export * from './follow.ts';
export * from './heartbeat.ts';
export * from './kv.ts';
export * from './learn.ts';
export * from './mode.ts';
