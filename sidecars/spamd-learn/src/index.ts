// What the CLI and the bench reuse: the one learning code path and its building blocks.

export { lookupUser, parsePasswd, type SystemUser } from '@mta/shared';
export * from './bisect.ts';
export * from './dirs.ts';
export * from './kind.ts';
export * from './learn.ts';
export * from './runner.ts';
export * from './sa-learn.ts';
export * from './stage.ts';
