// What the CLI, the tests and the bench reuse: the ban files, the tables kept from them, the decision logic.
export * from './ban.ts';
export * from './ban-set.ts';
export * from './caps.ts';
export * from './mynetworks.ts';
export * from './policy.ts';
export * from './protect.ts';
export * from './service.ts';
export * from './store.ts';
export * from './tables/index.ts';
