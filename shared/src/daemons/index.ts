export * from './fact.ts';
export * from './release.ts';
export * from './version.ts';
