// The NATS client packages, loaded on first use so a node outside a fleet never holds them in memory. They are
// CommonJS: the esbuild bundle exposes their exports only as `default`, tsx only as named exports.
const exportsOf = <T>(m: T & { default?: T }): T => m.default ?? m;
export const natsCore = async () => exportsOf(await import('@nats-io/nats-core'));
export const natsTransport = async () => exportsOf(await import('@nats-io/transport-node'));
export const natsJetStream = async () => exportsOf(await import('@nats-io/jetstream'));
export const natsKv = async () => exportsOf(await import('@nats-io/kv'));
export const natsNkeys = async () => exportsOf(await import('@nats-io/nkeys'));
