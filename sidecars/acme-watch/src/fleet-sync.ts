import {
  busLoop,
  CERTS_BUCKET,
  currentSigned,
  type FleetBucket,
  type FleetConnection,
  type FleetIdentity,
  type FleetLedger,
  type Following,
  followSigned,
  kvKey,
  type Logger,
  openBucket,
  type Publish,
  type Supervised,
  writeSigned,
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
// Background and best-effort: NATS being down never delays an install; the latest pending cert is retried. The node
// also follows the bucket without installing from it: its ledger on /srv remembers the newest entry and the retired
// serials (a retired certificate still in acme.json is never published again), and it puts the newest back over a
// replay like every other node.
export class CertPublisher {
  private kv: FleetBucket | undefined;
  private pending: Servable | undefined;
  private published: string | undefined;
  // The certificate this node serves now (offered last).
  private served: Servable | undefined;
  private readonly loop: Supervised;
  private readonly following: Following;

  constructor(
    connection: Connection,
    private readonly log: Logger,
    private readonly identity: FleetIdentity,
    private readonly ledger: FleetLedger,
    publish?: Publish,
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
    this.following = followSigned({
      connection,
      bucket: CERTS_BUCKET,
      log,
      identity,
      ledger,
      publish,
      onEntry: async (key, e) => {
        if (e.op === 'retire') await rememberRetired(ledger, key, e.body, e.at);
        return undefined;
      },
      superseded: (key, e) => retiredCert(ledger, key, e),
      // A forgery nothing could be put back over, or a retired certificate signed again: ours goes in over it.
      onForged: async (key) => {
        if (!this.served || kvKey(this.served.main) !== key) return;
        this.published = undefined;
        this.offer(this.served);
      },
    });
  }

  offer(c: Servable): void {
    this.served = c;
    if (c.info.serial === this.published || c.info.serial === this.pending?.info.serial) return;
    this.pending = c;
    this.loop.kick();
  }

  async close(): Promise<void> {
    await this.loop.close();
    await this.following.close();
    this.ledger.close();
  }

  // Writes ours unless the bucket holds the same or a later trusted certificate, or the operator retired ours. A
  // forged or unreadable value is overwritten (compare-and-set on its revision); a replayed older one first gives way
  // to the newest this node knows.
  private async publish(kv: FleetBucket, c: Servable): Promise<void> {
    const facts = { main: c.main, serial: c.info.serial, notAfter: c.info.notAfter };
    const key = kvKey(c.main);
    const { e, cur } = await currentSigned(kv, this.identity, CERTS_BUCKET, key, this.ledger, this.log);
    if (cur?.ok && cur.op === 'retire') await rememberRetired(this.ledger, key, cur.body, cur.at);
    const retired = await this.ledger.retired(key);
    if (retired.has(c.info.serial)) {
      this.log.info({ event: 'acme.fleet.retired', ...facts }, 'certificate retired in the fleet; not published again');
      return;
    }
    const existing = cur?.ok && cur.op === 'put' ? parseFleetCert(cur.body) : undefined;
    if (existing && !retired.has(existing.serial) && !shouldPublish(existing, c.info)) {
      this.log.debug({ event: 'acme.fleet.current', ...facts }, 'the fleet already has this or a later certificate');
      return;
    }
    const body = new TextEncoder().encode(JSON.stringify(toFleetCert(c, this.identity.node)));
    await writeSigned(kv, this.identity, CERTS_BUCKET, key, body, { ledger: this.ledger, over: e });
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

// A retirement's serial goes into the ledger's tombstones of that main name.
async function rememberRetired(ledger: FleetLedger, key: string, body: Buffer, at: string): Promise<string | undefined> {
  const serial = retiredSerial(body);
  if (serial) await ledger.retire(key, [serial], at);
  return serial;
}

// Why a certificate entry must not be taken: its serial was retired under this main name.
async function retiredCert(ledger: FleetLedger, key: string, e: { op: string; body: Buffer }): Promise<string | undefined> {
  if (e.op !== 'put') return undefined;
  const serial = parseFleetCert(e.body)?.serial;
  return serial && (await ledger.retired(key)).has(serial) ? `certificate ${serial} was retired` : undefined;
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
  // This node's memory of mta-certs on /srv: the newest entry applied per main name, and the retired serials.
  ledger: FleetLedger;
  // MTA_FLEET_CA: a private CA fleet certificates may chain to, besides the system CAs.
  fleetCa?: string;
  debounceMs?: number;
}

// ACME_SOURCE=fleet: follow mta-certs and install through the same AcmeService path as a local acme.json change.
// An entry counts only when a trusted node signed it, its chain verifies against the trust store, and it covers a
// name this node serves; anything else is refused with an event and the served certificate stays.
export function startFleetCerts(opts: FleetCertsOptions): { service: AcmeService; close: () => Promise<void> } {
  const names = wantedNames(opts.hostname, opts.mailDomains);
  const file = `nats:${CERTS_BUCKET}`;
  opts.log.info(
    { event: 'acme.start', source: 'fleet', bucket: CERTS_BUCKET, names, resolver: opts.resolver ?? null },
    'acme-watch following the fleet',
  );
  const service = new AcmeService({ ...opts, file, names });
  const ca = trustStore(opts.fleetCa);
  const entries = new Map<string, AcmeEntry & { serial: string }>();
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  // Values of one watch arrive one by one: choose once they have settled, passes never overlap.
  const offer = () => {
    chain = chain
      .then(() => service.offer([...entries.values()]))
      .catch((e: Error) => {
        opts.log.error({ event: 'acme.failed', source: 'fleet', err: e.message }, 'installing the fleet certificate failed; will retry');
        timer = setTimeout(offer, 5000);
      });
  };
  const following: Following = followSigned({
    connection: opts.connection,
    bucket: CERTS_BUCKET,
    log: opts.log,
    identity: opts.identity,
    ledger: opts.ledger,
    publish: (s, p) => opts.bus.publish(s, p),
    superseded: (key, e) => retiredCert(opts.ledger, key, e),
    onEntry: async (key, e) => {
      if (e.op === 'retire') {
        // The served certificate stays until a newer one arrives; a retired one is never installed again.
        const serial = await rememberRetired(opts.ledger, key, e.body, e.at);
        if (!serial || entries.get(key)?.serial === serial) entries.delete(key);
        opts.log.info({ event: 'acme.fleet.retired', entry: key, serial, by: e.signer }, 'fleet certificate retired');
        return undefined;
      }
      const c = parseFleetCert(e.body);
      if (!c) return 'not a certificate record';
      const leaf = new (process.getBuiltinModule('node:crypto').X509Certificate)(c.certPem);
      if (!names.some((n) => leaf.checkHost(n))) return `covers none of the names this node serves (${names.join(', ')})`;
      const v = await verifyChain(c.certPem, c.keyPem, ca);
      if (!v.ok) return v.reason;
      opts.log.debug({ event: 'acme.fleet.entry', entry: key, serial: c.serial, from: e.signer }, 'fleet certificate seen');
      entries.set(key, c);
      clearTimeout(timer);
      timer = setTimeout(offer, opts.debounceMs ?? 50);
      return undefined;
    },
  });
  return {
    service,
    close: async () => {
      clearTimeout(timer);
      await following.close();
      await chain;
      opts.ledger.close();
    },
  };
}
