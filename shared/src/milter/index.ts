export * from './server.ts';
export * from './session.ts';
export * from './sidecar.ts';
export * from './wire.ts';
