import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { ErrorCode, MtaError } from '../errors.ts';
import { type DnsResponse, decodeResponse, encodeQuery } from './wire.ts';

// Where queries go: a recursive (ideally validating) resolver, e.g. the first `nameserver` of /etc/resolv.conf.
export interface DnsServerAddress {
  host: string;
  port: number;
}

export interface DnsQueryOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class DnsTimeoutError extends MtaError {
  constructor(what: string) {
    super(ErrorCode.Timeout, `no DNS answer for ${what}`);
    this.name = 'DnsTimeoutError';
  }
}

// One question over UDP; a truncated answer is asked again over TCP. The answer must carry the query's id (a random
// 16-bit number) and come from the server asked, so an off-path guess has to hit both.
export async function dnsQuery(server: DnsServerAddress, name: string, type: number, opts: DnsQueryOptions = {}): Promise<DnsResponse> {
  const id = randomInt(0, 0x10000);
  const query = encodeQuery(id, name, type);
  const timeoutMs = opts.timeoutMs ?? 3000;
  const udp = await overUdp(server, query, id, timeoutMs, `${name}/${type}`, opts.signal);
  if (!udp.truncated) return udp;
  return overTcp(server, query, id, timeoutMs, `${name}/${type}`, opts.signal);
}

// One exchange: settles once, with the answer, an error, the timeout or the abort, and then closes its socket.
function exchange(
  ms: number,
  what: string,
  signal: AbortSignal | undefined,
  run: (done: (err: Error | undefined, r?: DnsResponse) => void) => { close: () => void },
): Promise<DnsResponse> {
  return new Promise((resolve, reject) => {
    let sock: { close: () => void } | undefined;
    let settled = false;
    const done = (err: Error | undefined, r?: DnsResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock?.close();
      if (err) reject(err);
      else resolve(r as DnsResponse);
    };
    const onAbort = () => done(new DnsTimeoutError(`${what} (aborted)`));
    const timer = setTimeout(() => done(new DnsTimeoutError(what)), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    sock = run(done);
    if (settled) sock.close();
  });
}

function overUdp(server: DnsServerAddress, query: Buffer, id: number, ms: number, what: string, signal?: AbortSignal) {
  return exchange(ms, what, signal, (done) => {
    const sock = createSocket(server.host.includes(':') ? 'udp6' : 'udp4');
    sock.on('error', (e) => done(e));
    sock.on('message', (msg, rinfo) => {
      if (rinfo.port !== server.port) return;
      let r: DnsResponse;
      try {
        r = decodeResponse(msg);
      } catch {
        return; // not an answer we can read: keep waiting for the real one
      }
      if (r.id === id) done(undefined, r);
    });
    sock.send(query, server.port, server.host);
    return { close: () => sock.close() };
  });
}

function overTcp(server: DnsServerAddress, query: Buffer, id: number, ms: number, what: string, signal?: AbortSignal) {
  return exchange(ms, what, signal, (done) => {
    const sock = connect({ host: server.host, port: server.port });
    let buf = Buffer.alloc(0);
    sock.on('error', (e) => done(e));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      try {
        const r = decodeResponse(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        done(r.id === id ? undefined : new MtaError(ErrorCode.Protocol, `DNS answer for ${what} has another id`), r);
      } catch (e) {
        done(e as Error);
      }
    });
    sock.on('end', () => done(new MtaError(ErrorCode.Protocol, `DNS server closed the TCP connection for ${what}`)));
    return { close: () => sock.destroy() };
  });
}

// The first `nameserver` line of a resolv.conf text (what postfix's resolver asks), port 53.
export function resolverOf(resolvConf: string): DnsServerAddress | undefined {
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m?.[1]) return { host: m[1].replace(/%.*$/, ''), port: 53 };
  }
  return undefined;
}
