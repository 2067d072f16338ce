export * from './file.ts';
export * from './gate.ts';
export * from './plan.ts';
export * from './services.ts';
export * from './settings.ts';
