export * from './file.ts';
export * from './gate.ts';
export * from './plan.ts';
export * from './process-env.ts';
export * from './process-env-write.ts';
export * from './services.ts';
export * from './settings.ts';
