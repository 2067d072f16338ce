export * from './server.ts';
export * from './session.ts';
export * from './wire.ts';
