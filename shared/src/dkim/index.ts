export * from './names.ts';
export * from './txt.ts';
