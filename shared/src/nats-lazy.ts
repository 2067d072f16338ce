// The NATS client packages, loaded on first use so a node outside a fleet never holds them in memory. They are
// CommonJS: their exports object is `default` both under Node's own loader and in the esbuild bundle, which does
// not synthesize named exports for a CommonJS module split into a lazily loaded chunk.
export const natsCore = async () => (await import('@nats-io/nats-core')).default;
export const natsTransport = async () => (await import('@nats-io/transport-node')).default;
export const natsJetStream = async () => (await import('@nats-io/jetstream')).default;
export const natsKv = async () => (await import('@nats-io/kv')).default;
