// What the CLI, the tests and the bench reuse: the ban files, the maps rendered from them, the decision logic.
export * from './ban.ts';
export * from './maps.ts';
export * from './mynetworks.ts';
export * from './policy.ts';
export * from './protect.ts';
export * from './service.ts';
export * from './store.ts';
