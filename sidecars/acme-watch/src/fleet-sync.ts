import { busLoop, CERTS_BUCKET, type Following, followBucket, kvKey, type Logger, openBucket, type Supervised } from '@mta/shared';
import { parseFleetCert, shouldPublish, toFleetCert } from './fleet.ts';
import type { Servable } from './install.ts';
import { wantedNames } from './names.ts';
import { AcmeService } from './service.ts';
import type { AcmeWatchOptions } from './start.ts';
import type { AcmeEntry } from './traefik.ts';

type Conn = Parameters<typeof openBucket>[0];
type Bucket = Awaited<ReturnType<typeof openBucket>>;
export type Connection = () => Promise<Conn | undefined>;

// ACME_SOURCE=file in fleet mode: the certificate this node serves goes into mta-certs (key: main domain).
// Background and best-effort: NATS being down never delays an install; the latest pending cert is retried.
export class CertPublisher {
  private kv: Bucket | undefined;
  private pending: ReturnType<typeof toFleetCert> | undefined;
  private published: string | undefined;
  private readonly loop: Supervised;

  constructor(
    connection: Connection,
    private readonly log: Logger,
    private readonly node: string,
    retryMs = 1000,
  ) {
    this.loop = busLoop({
      connection,
      follow: false,
      log,
      unavailable: { event: 'acme.fleet.publish.failed', msg: 'publishing the certificate failed; retrying' },
      firstMs: retryMs,
      session: (nc) => this.flush(nc),
    });
  }

  offer(c: Servable): void {
    if (c.info.serial === this.published || c.info.serial === this.pending?.serial) return;
    this.pending = toFleetCert(c, this.node);
    this.loop.kick();
  }

  close(): Promise<void> {
    return this.loop.close();
  }

  private async flush(nc: Conn): Promise<void> {
    for (let c = this.pending; c; c = this.pending) {
      const facts = { main: c.main, serial: c.serial, notAfter: c.notAfter };
      try {
        this.kv ??= await openBucket(nc, CERTS_BUCKET);
        const key = kvKey(c.main);
        const e = await this.kv.get(key);
        const existing = e?.operation === 'PUT' && e.value.length ? parseFleetCert(e.value) : undefined;
        if (shouldPublish(existing, c)) {
          await this.kv.put(key, JSON.stringify(c));
          this.log.info({ event: 'acme.fleet.published', ...facts }, 'certificate published to the fleet');
        } else this.log.debug({ event: 'acme.fleet.current', ...facts }, 'the fleet already has this or a later certificate');
      } catch (err) {
        this.kv = undefined;
        throw err;
      }
      this.published = c.serial;
      if (this.pending === c) this.pending = undefined;
    }
  }
}

export interface FleetCertsOptions extends Omit<AcmeWatchOptions, 'file'> {
  connection: Connection;
  debounceMs?: number;
}

// ACME_SOURCE=fleet: follow mta-certs and install through the same AcmeService path as a local acme.json change.
export function startFleetCerts(o: FleetCertsOptions): { service: AcmeService; close: () => Promise<void> } {
  const names = wantedNames(o.hostname, o.mailDomains);
  const file = `nats:${CERTS_BUCKET}`;
  o.log.info(
    { event: 'acme.start', source: 'fleet', bucket: CERTS_BUCKET, names, resolver: o.resolver ?? null },
    'acme-watch following the fleet',
  );
  const service = new AcmeService({ ...o, file, names });
  const entries = new Map<string, AcmeEntry>();
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  // Values of one watch arrive one by one: choose once they have settled, passes never overlap.
  const offer = () => {
    chain = chain
      .then(() => service.offer([...entries.values()]))
      .catch((e: Error) => {
        o.log.error({ event: 'acme.failed', source: 'fleet', err: e.message }, 'installing the fleet certificate failed; will retry');
        timer = setTimeout(offer, 5000);
      });
  };
  const following: Following = followBucket({
    connection: o.connection,
    bucket: CERTS_BUCKET,
    log: o.log,
    onEntry: async (e) => {
      const c = parseFleetCert(e.value);
      if (!c) {
        o.log.warn({ event: 'acme.fleet.invalid', entry: e.key }, 'fleet certificate entry is malformed; ignored');
        return;
      }
      o.log.debug({ event: 'acme.fleet.entry', entry: e.key, serial: c.serial, from: c.from }, 'fleet certificate seen');
      entries.set(e.key, c);
      clearTimeout(timer);
      timer = setTimeout(offer, o.debounceMs ?? 50);
    },
  });
  return {
    service,
    close: async () => {
      clearTimeout(timer);
      await following.close();
      await chain;
    },
  };
}
