import {
  busLoop,
  CERTS_BUCKET,
  type FleetBucket,
  type FleetConnection,
  type FleetIdentity,
  type Following,
  followSigned,
  kvKey,
  type Logger,
  openBucket,
  openEntry,
  type Supervised,
  seal,
} from '@mta/shared';
import { trustStore, verifyChain } from './chain.ts';
import { parseFleetCert, shouldPublish, toFleetCert } from './fleet.ts';
import type { Servable } from './install.ts';
import { wantedNames } from './names.ts';
import { AcmeService } from './service.ts';
import type { AcmeWatchOptions } from './start.ts';
import type { AcmeEntry } from './traefik.ts';

export type Connection = () => Promise<FleetConnection | undefined>;

// ACME_SOURCE=file in fleet mode: the certificate this node serves goes into mta-certs (key: main domain), signed.
// Background and best-effort: NATS being down never delays an install; the latest pending cert is retried.
export class CertPublisher {
  private kv: FleetBucket | undefined;
  private pending: Servable | undefined;
  private published: string | undefined;
  private readonly loop: Supervised;

  constructor(
    connection: Connection,
    private readonly log: Logger,
    private readonly identity: FleetIdentity,
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
    if (c.info.serial === this.published || c.info.serial === this.pending?.info.serial) return;
    this.pending = c;
    this.loop.kick();
  }

  close(): Promise<void> {
    return this.loop.close();
  }

  // Writes ours unless the bucket holds the same or a later trusted certificate, or the operator retired the main
  // name after ours was issued. A forged or unreadable value is overwritten (compare-and-set on its revision).
  private async publish(kv: FleetBucket, c: Servable): Promise<void> {
    const facts = { main: c.main, serial: c.info.serial, notAfter: c.info.notAfter };
    const key = kvKey(c.main);
    const e = await kv.get(key);
    const cur = e?.operation === 'PUT' && e.value.length ? openEntry(this.identity, CERTS_BUCKET, key, e.value) : undefined;
    if (cur?.ok && cur.op === 'retire' && retiredSerial(cur.body) === c.info.serial) {
      this.log.info({ event: 'acme.fleet.retired', ...facts, retiredAt: cur.at }, 'certificate retired in the fleet; not published again');
      return;
    }
    const existing = cur?.ok && cur.op === 'put' ? parseFleetCert(cur.body) : undefined;
    if (!shouldPublish(existing, c.info)) {
      this.log.debug({ event: 'acme.fleet.current', ...facts }, 'the fleet already has this or a later certificate');
      return;
    }
    const sealed = seal(this.identity, CERTS_BUCKET, key, new TextEncoder().encode(JSON.stringify(toFleetCert(c, this.identity.node))));
    if (e) await kv.update(key, sealed, e.revision);
    else await kv.create(key, sealed);
    this.log.info({ event: 'acme.fleet.published', ...facts }, 'certificate published to the fleet');
  }

  private async flush(nc: FleetConnection): Promise<void> {
    for (let c = this.pending; c; c = this.pending) {
      try {
        this.kv ??= await openBucket(nc, CERTS_BUCKET);
        await this.publish(this.kv, c);
      } catch (err) {
        this.kv = undefined;
        throw err;
      }
      this.published = c.info.serial;
      if (this.pending === c) this.pending = undefined;
    }
  }
}

// The serial a retirement names (`mta fleet retire cert`), if any.
function retiredSerial(body: Buffer): string | undefined {
  try {
    const v = (JSON.parse(body.toString('utf8')) as { serial?: unknown }).serial;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export interface FleetCertsOptions extends Omit<AcmeWatchOptions, 'file'> {
  connection: Connection;
  identity: FleetIdentity;
  // MTA_FLEET_CA: a private CA fleet certificates may chain to, besides the system CAs.
  fleetCa?: string;
  debounceMs?: number;
}

// ACME_SOURCE=fleet: follow mta-certs and install through the same AcmeService path as a local acme.json change.
// An entry counts only when a trusted node signed it, its chain verifies against the trust store, and it covers a
// name this node serves; anything else is refused with an event and the served certificate stays.
export function startFleetCerts(o: FleetCertsOptions): { service: AcmeService; close: () => Promise<void> } {
  const names = wantedNames(o.hostname, o.mailDomains);
  const file = `nats:${CERTS_BUCKET}`;
  o.log.info(
    { event: 'acme.start', source: 'fleet', bucket: CERTS_BUCKET, names, resolver: o.resolver ?? null },
    'acme-watch following the fleet',
  );
  const service = new AcmeService({ ...o, file, names });
  const ca = trustStore(o.fleetCa);
  const entries = new Map<string, AcmeEntry & { serial: string }>();
  const retired = new Set<string>();
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
  const following: Following = followSigned({
    connection: o.connection,
    bucket: CERTS_BUCKET,
    log: o.log,
    identity: o.identity,
    publish: (s, p) => o.bus.publish(s, p),
    onEntry: async (key, e) => {
      if (e.op === 'retire') {
        // The served certificate stays until a newer one arrives; a retired one is never installed again.
        const serial = retiredSerial(e.body);
        if (serial) retired.add(serial);
        if (!serial || entries.get(key)?.serial === serial) entries.delete(key);
        o.log.info({ event: 'acme.fleet.retired', entry: key, serial, by: e.signer }, 'fleet certificate retired');
        return undefined;
      }
      const c = parseFleetCert(e.body);
      if (!c) return 'not a certificate record';
      if (retired.has(c.serial)) return `certificate ${c.serial} was retired`;
      const leaf = new (process.getBuiltinModule('node:crypto').X509Certificate)(c.certPem);
      if (!names.some((n) => leaf.checkHost(n))) return `covers none of the names this node serves (${names.join(', ')})`;
      const v = await verifyChain(c.certPem, c.keyPem, ca);
      if (!v.ok) return v.reason;
      o.log.debug({ event: 'acme.fleet.entry', entry: key, serial: c.serial, from: e.signer }, 'fleet certificate seen');
      entries.set(key, c);
      clearTimeout(timer);
      timer = setTimeout(offer, o.debounceMs ?? 50);
      return undefined;
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
