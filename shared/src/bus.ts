import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Logger } from './log.ts';
import { natsCore, natsTransport } from './nats-lazy.ts';
import { supervise } from './supervise.ts';

export interface BusOptions {
  servers: readonly string[];
  // Connection name seen by the server (`mta-<sidecar>@<node>`).
  name: string;
  node: string;
  log?: Logger;
  user?: string;
  pass?: string;
  token?: string;
  creds?: string;
  // NKEY user seed (the server lists the public key).
  nkey?: string;
  // PEM contents: the CA the servers' certificates chain to, and an optional client certificate and key.
  tls?: { ca?: string; cert?: string; key?: string };
  // Events kept while no server was ever reached; the oldest are dropped beyond this.
  maxBuffered?: number;
}

// `_INBOX_<node>`: where this node's request replies and consumer deliveries arrive (see docs/fleet.md).
export const inboxPrefix = (node: string): string => `_INBOX_${subjectToken(node)}`;

// A node name as one subject token (dots and wildcards would split or widen it).
export const subjectToken = (s: string): string => s.replace(/[^-_a-zA-Z0-9]/g, '_');

export type Handler = (data: Record<string, unknown>, subject: string) => void;

// Best-effort event bus: mail and sidecar work never wait for NATS, and never see its errors. It connects on first
// use (publish, subscribe, connection()), so an idle sidecar with nothing to say holds no connection and has not
// loaded the NATS client (~10 MB of a sidecar's resident memory).
export class Bus {
  private nc: NatsConnection | undefined;
  private readonly pending: { subject: string; data: Uint8Array }[] = [];
  private readonly handlers: { subject: string; handler: Handler; sub?: Subscription }[] = [];
  private readonly stop = new AbortController();
  private ready: Promise<NatsConnection | undefined> | undefined;
  dropped = 0;

  private constructor(private readonly opts: BusOptions) {}

  // Returns at once; the connection is made in the background on first use.
  static start(opts: BusOptions): Bus {
    return new Bus(opts);
  }

  get connected(): boolean {
    return this.nc !== undefined && !this.nc.isClosed();
  }

  // The live connection for JetStream users; resolves undefined when the bus is closed first.
  connection(): Promise<NatsConnection | undefined> {
    this.ready ??= this.connectLoop();
    return this.ready;
  }

  // Adds node and time; never throws and never blocks (buffers until the first connection).
  publish(subject: string, payload: Record<string, unknown>): void {
    try {
      const data = new TextEncoder().encode(JSON.stringify({ ...payload, node: this.opts.node, at: new Date().toISOString() }));
      if (this.nc && !this.nc.isClosed()) {
        this.nc.publish(subject, data);
        return;
      }
      void this.connection();
      this.pending.push({ subject, data });
      if (this.pending.length > (this.opts.maxBuffered ?? 1000)) {
        this.pending.shift();
        this.dropped++;
      }
    } catch (e) {
      this.opts.log?.debug({ err: e, subject }, 'bus publish failed');
    }
  }

  // Subscribes now or as soon as connected; returns an unsubscribe function.
  subscribe(subject: string, handler: Handler): () => void {
    const entry: (typeof this.handlers)[number] = { subject, handler };
    this.handlers.push(entry);
    if (this.nc) this.attach(this.nc, entry);
    else void this.connection();
    return () => {
      entry.sub?.unsubscribe();
      this.handlers.splice(this.handlers.indexOf(entry), 1);
    };
  }

  async close(): Promise<void> {
    this.stop.abort();
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }

  private attach(nc: NatsConnection, entry: (typeof this.handlers)[number]): void {
    entry.sub = nc.subscribe(entry.subject, {
      callback: (err, msg) => {
        if (err) return;
        try {
          entry.handler(msg.json<Record<string, unknown>>(), msg.subject);
        } catch (e) {
          this.opts.log?.warn({ err: e, subject: msg.subject }, 'bus handler failed');
        }
      },
    });
  }

  // Connects in the background with capped backoff (the supervised loop), warning once while NATS is unreachable.
  private connectLoop(): Promise<NatsConnection | undefined> {
    const { servers, name, user, pass, token, creds, nkey, tls, node } = this.opts;
    if (this.stop.signal.aborted) return Promise.resolve(undefined);
    const loop = supervise({
      follow: true,
      firstMs: 200,
      maxMs: 5000,
      run: async (signal) => {
        const [{ connect }, { credsAuthenticator, nkeyAuthenticator }] = await Promise.all([natsTransport(), natsCore()]);
        const bytes = (s: string) => new TextEncoder().encode(s);
        const nc = await connect({
          servers: [...servers],
          name,
          user,
          pass,
          token,
          authenticator: creds ? credsAuthenticator(bytes(creds)) : nkey ? nkeyAuthenticator(bytes(nkey)) : undefined,
          tls: tls?.ca || tls?.cert || servers.some((u) => u.startsWith('tls://')) ? { ...tls } : undefined,
          // Replies come to a per-node prefix, so NATS permissions can give each node its own inbox only.
          inboxPrefix: inboxPrefix(node),
          timeout: 2000,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          pingInterval: 10_000,
        });
        if (signal.aborted) {
          await nc.close();
          return 'stop';
        }
        this.nc = nc;
        this.opts.log?.info({ event: 'bus.connected', server: nc.getServer() }, 'bus connected');
        for (const h of this.handlers) this.attach(nc, h);
        for (const p of this.pending.splice(0)) nc.publish(p.subject, p.data);
        return 'stop';
      },
      onError: (e, failures) => {
        if (failures === 1)
          this.opts.log?.warn({ event: 'bus.unavailable', servers, err: e.message }, 'bus not reachable; retrying in the background');
      },
    });
    this.stop.signal.addEventListener('abort', () => void loop.close(), { once: true });
    return loop.done.then(() => this.nc);
  }
}
