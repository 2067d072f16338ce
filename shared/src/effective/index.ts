export * from './build.ts';
export * from './daemons.ts';
export * from './domain.ts';
export * from './file.ts';
export * from './overlay.ts';
export * from './schema.ts';
export * from './tables.ts';
