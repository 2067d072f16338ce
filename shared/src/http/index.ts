export * from './listen.ts';
export * from './serve.ts';
