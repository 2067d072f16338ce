import { once } from 'node:events';
import type { Outcome } from '@mta/shared';

// node:tls and node:stream on first use (acme-watch outside a fleet never needs them).
const tls = () => process.getBuiltinModule('node:tls');

export type ChainVerdict = Outcome;

// The trust store of a fleet certificate: the system CAs (Node's bundled ones where the system has none), plus the
// operator's fleet CA for a private PKI.
export function trustStore(fleetCa?: string): string[] {
  const t = tls();
  const system = t.getCACertificates('system');
  return [...(system.length ? system : t.getCACertificates('bundled')), ...(fleetCa ? [fleetCa] : [])];
}

// Does this chain and key make a TLS server that a client trusting `ca` accepts? OpenSSL decides, in memory, in one
// handshake over a stream pair: path building, signatures, CA flags, key usage and validity, as a real client would.
export async function verifyChain(chainPem: string, keyPem: string, ca: readonly string[]): Promise<ChainVerdict> {
  const t = tls();
  const [a, b] = process.getBuiltinModule('node:stream').duplexPair();
  let server: import('node:tls').TLSSocket | undefined;
  let client: import('node:tls').TLSSocket | undefined;
  try {
    server = new t.TLSSocket(a, { isServer: true, secureContext: t.createSecureContext({ cert: chainPem, key: keyPem }) });
    server.on('error', () => {});
    client = t.connect({ socket: b, ca: [...ca], rejectUnauthorized: false, checkServerIdentity: () => undefined });
    await Promise.race([once(client, 'secureConnect'), once(client, 'error').then(([e]) => Promise.reject(e))]);
    if (client.authorized) return { ok: true };
    return { ok: false, reason: `certificate chain not trusted (${String(client.authorizationError)})` };
  } catch (e) {
    return { ok: false, reason: `certificate chain unusable (${(e as Error).message})` };
  } finally {
    client?.destroy();
    server?.destroy();
  }
}
