import {
  CERTS_BUCKET,
  DKIM_BUCKET,
  ErrorCode,
  type FleetConnection,
  FleetIdentity,
  formatIssue,
  initFleet,
  kvKey,
  newestInHistory,
  newNkey,
  openBucket,
  openEntry,
  parseEffective,
  SRS_BUCKET,
  SRS_KEY,
  seal,
} from '@mta/shared';
import type { Command } from 'commander';
import { type CliIo, failure, wasTold } from '../io.ts';
import { cliBus, connected } from './bus-connect.ts';

const CONNECT_MS = 5000;

// The leaf serial of a certificate record in mta-certs (as node's X509Certificate prints it).
function certSerial(body: Buffer): string | undefined {
  try {
    const chain = String((JSON.parse(body.toString('utf8')) as { chainPem?: unknown }).chainPem ?? '');
    const leaf = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(chain)?.[0];
    return leaf ? new (process.getBuiltinModule('node:crypto').X509Certificate)(leaf).serialNumber.toUpperCase() : undefined;
  } catch {
    return undefined;
  }
}

// Runs `job` on a live bus connection, with the same NATS settings the sidecars use.
async function withConnection<T>(io: CliIo, name: string, job: (nc: FleetConnection) => Promise<T>): Promise<T> {
  const bus = await cliBus(io, name);
  try {
    await connected(bus, io, CONNECT_MS);
    const nc = await bus.connection();
    if (!nc) throw failure(io, ErrorCode.Unavailable);
    return await job(nc);
  } finally {
    await bus.close();
  }
}

// `mta fleet init`: the buckets and the stream, created once by the operator with admin credentials.
async function fleetInit(io: CliIo, opts: { replicas: number }): Promise<void> {
  try {
    const done = await withConnection(io, 'fleet-init', (nc) => initFleet(nc, opts.replicas));
    for (const d of done) io.out(`ready: ${d}`);
  } catch (e) {
    if (wasTold(e)) throw e;
    throw failure(io, ErrorCode.Exec, `mta fleet init: ${(e as Error).message} (needs JetStream admin credentials; see docs/fleet.md)`);
  }
}

// The environment and this node's signing identity (MTA_FLEET_KEY), for commands that write signed entries.
async function fleetSigner(io: CliIo, cmd: string) {
  const r = await parseEffective(io.env);
  if (!r.ok) {
    for (const e of r.errors) io.err(formatIssue(e));
    throw failure(io, ErrorCode.Config);
  }
  if (!r.config.MTA_FLEET_KEY) throw failure(io, ErrorCode.Unavailable, `${cmd}: needs MTA_FLEET_KEY (run it on a fleet node)`);
  return {
    config: r.config,
    identity: await FleetIdentity.load(r.config.MTA_FLEET_KEY, r.config.MTA_NODE, r.config.MTA_FLEET_TRUST ?? []),
  };
}

// `mta fleet rotate srs`: a new random SRS secret, signed with this node's MTA_FLEET_KEY, replaces the fleet's. Every
// node makes it its signing line and keeps the previous ones to verify (addresses already sent still reverse). The
// secret is never printed.
async function fleetRotateSrs(io: CliIo): Promise<void> {
  const { identity } = await fleetSigner(io, 'mta fleet rotate srs');
  const secret = process.getBuiltinModule('node:crypto').randomBytes(32).toString('base64');
  await withConnection(io, 'fleet-rotate', async (nc) => {
    const kv = await openBucket(nc, SRS_BUCKET);
    await kv.put(SRS_KEY, seal(identity, SRS_BUCKET, SRS_KEY, new TextEncoder().encode(secret)));
  });
  io.out(`rotated ${SRS_BUCKET} ${SRS_KEY} (signed by ${identity.node}); every node restarts postsrsd with the new secret`);
}

// `mta fleet retire dkim|cert`: a retirement signed with this node's MTA_FLEET_KEY replaces the entry. Nodes serving
// the domain drop that DKIM key and the fleet settles on a new one; a retired certificate is never installed or
// published again (the served one stays until its successor arrives).
async function fleetRetire(io: CliIo, what: 'dkim' | 'cert', name: string, opts: { selector?: string }): Promise<void> {
  const { config, identity } = await fleetSigner(io, 'mta fleet retire');
  const domain = name.toLowerCase();
  const [bucket, key] =
    what === 'dkim' ? [DKIM_BUCKET, kvKey(domain, opts.selector ?? config.DKIM_SELECTOR)] : [CERTS_BUCKET, kvKey(domain)];
  await withConnection(io, 'fleet-retire', async (nc) => {
    const kv = await openBucket(nc, bucket);
    // A certificate retirement names the serial it retires (renewals may be backdated before it): the newest signed
    // entry's, also when an older one was just put back over it (a replay).
    const newest = what === 'cert' ? await newestInHistory(kv, identity, bucket, key) : undefined;
    const open = newest ? openEntry(identity, bucket, key, newest.value) : undefined;
    const serial = open?.ok && open.op === 'put' ? certSerial(open.body) : undefined;
    if (what === 'cert' && !serial) io.err(`mta fleet retire: no valid certificate in ${bucket} ${key}; nothing to name`);
    const detail = serial ? new TextEncoder().encode(JSON.stringify({ serial })) : undefined;
    await kv.put(key, seal(identity, bucket, key, detail, new Date(), 'retire'));
    if (serial) io.out(`serial ${serial}`);
  });
  io.out(`retired ${bucket} ${key} (signed by ${identity.node})`);
}

// `mta fleet keygen`: a new NKEY user seed, for MTA_FLEET_KEY (or NATS_NKEY); `--public` prints this node's public
// signing key from MTA_FLEET_KEY, as the other nodes list it in MTA_FLEET_TRUST.
async function fleetKeygen(io: CliIo, opts: { public?: boolean }): Promise<void> {
  if (opts.public) {
    const r = await parseEffective(io.env);
    if (!r.ok || !r.config.MTA_FLEET_KEY) {
      throw failure(
        io,
        ErrorCode.Config,
        'mta fleet keygen --public: MTA_FLEET_KEY is not set (or the environment is invalid: mta config check)',
      );
    }
    const id = await FleetIdentity.load(r.config.MTA_FLEET_KEY, r.config.MTA_NODE);
    io.out(`${id.node}=${id.publicKey}`);
    return;
  }
  const k = await newNkey();
  io.out(`seed: ${k.seed}`);
  io.out(`public: ${k.publicKey}`);
}

export function registerFleetAdmin(fleet: Command, io: CliIo): void {
  fleet
    .command('init')
    .description('create the fleet buckets and stream (once, with JetStream admin credentials)')
    .option('--replicas <n>', 'copies of each on the cluster (1 on a single server)', Number, 3)
    .action((opts: { replicas: number }) => fleetInit(io, opts));
  const retire = fleet.command('retire').description('retire an entry fleet-wide (signed with MTA_FLEET_KEY)');
  retire
    .command('dkim <domain>')
    .description("drop the domain's DKIM key on every node; the fleet settles on a new one (publish its TXT record)")
    .option('--selector <s>', 'selector (default DKIM_SELECTOR)')
    .action((domain: string, opts: { selector?: string }) => fleetRetire(io, 'dkim', domain, opts));
  retire
    .command('cert <main>')
    .description('never install or publish the current certificate of this main domain again')
    .action((main: string) => fleetRetire(io, 'cert', main, {}));
  fleet
    .command('rotate')
    .description('replace a shared secret fleet-wide (signed with MTA_FLEET_KEY)')
    .command('srs')
    .description('a new SRS secret on every node; the previous ones still reverse what was sent with them')
    .action(() => fleetRotateSrs(io));
  fleet
    .command('keygen')
    .description("print a new NKEY seed and public key (MTA_FLEET_KEY, NATS_NKEY); --public: this node's MTA_FLEET_TRUST entry")
    .option('--public', "print this node's public signing key")
    .action((opts: { public?: boolean }) => fleetKeygen(io, opts));
}
