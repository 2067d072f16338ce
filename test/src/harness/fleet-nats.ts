import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issue, makeCa, type TestCa } from '@mta/acme-watch/testing';
import { initFleet } from '@mta/shared';
import { jetstreamManager } from '@nats-io/jetstream';
import { createUser } from '@nats-io/nkeys';
import { type ConnectionOptions, connect, type NatsConnection, nkeyAuthenticator } from '@nats-io/transport-node';
import { type Daemon, startDaemon } from './daemon.ts';
import { eventually, freePort, waitForPort } from './net.ts';
import { tempRoot } from './tmp.ts';

const EXAMPLE = new URL('../../../examples/fleet/nats-server.conf', import.meta.url);

// A NATS user of the example config: its NKEY seed (what a node gets as NATS_NKEY) and public key.
interface NatsUser {
  seed: string;
  publicKey: string;
}

export interface FleetNats {
  urls: string[];
  servers: Daemon[];
  ca: TestCa;
  // PEM files for clients: the CA and one client certificate of the fleet CA.
  tls: { ca: string; cert: string; key: string };
  users: Record<'mx1' | 'mx2' | 'mx3' | 'admin' | 'observer', NatsUser>;
  // The env of a node that logs in as `user` (TLS, client certificate, NKEY), servers rotated to start at `first`.
  nodeEnv: (user: keyof FleetNats['users'], first?: number) => Record<string, string>;
  // A client connection as one of the users (undefined: no NKEY, TLS only).
  login: (user?: keyof FleetNats['users'], extra?: Partial<ConnectionOptions>) => Promise<NatsConnection>;
  kill: (i: number) => Promise<void>;
  restart: (i: number) => Promise<void>;
  stop: () => Promise<void>;
}

const newUser = (): NatsUser => {
  const kp = createUser();
  return { seed: new TextDecoder().decode(kp.getSeed()), publicKey: kp.getPublicKey() };
};

// The shipped examples/fleet/nats-server.conf, run as it is on loopback: TLS for clients and routes with a fresh
// fleet CA, one NKEY user per node with its permissions, admin and observer. size 1 drops the cluster block.
export async function startFleetNats(dir: string, size = 3): Promise<FleetNats> {
  const ca = makeCa('mta fleet test CA');
  const server = issue(ca, { cn: 'nats', sans: ['localhost'], ips: ['127.0.0.1'], client: true });
  const client = issue(ca, { cn: 'mx node', client: true });
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
  writeFileSync(files.ca, ca.certPem);
  writeFileSync(files.cert, server.certPem);
  writeFileSync(files.key, server.keyPem, { mode: 0o600 });
  const users = { mx1: newUser(), mx2: newUser(), mx3: newUser(), admin: newUser(), observer: newUser() };
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = await Promise.all(Array.from({ length: size }, () => freePort()));
  let template = readFileSync(EXAMPLE, 'utf8')
    .replaceAll('/etc/nats/tls/server.pem', files.cert)
    .replaceAll('/etc/nats/tls/server.key', files.key)
    .replaceAll('/etc/nats/tls/ca.pem', files.ca);
  for (const [name, u] of Object.entries(users)) template = template.replaceAll(`${name.toUpperCase()}_NKEY_PUBLIC`, u.publicKey);
  if (size === 1) template = template.replace(/\ncluster \{[\s\S]*?\n\}\n/, '\n');
  const confs = ports.map((port, i) => {
    const conf = template
      .replace('port: 4222', `listen: 127.0.0.1:${port}`)
      .replace('server_name: nats1', `server_name: n${i + 1}`)
      .replace('store_dir: /data/jetstream', `store_dir: ${join(dir, `n${i + 1}`)}`)
      .replace('listen: 0.0.0.0:6222', `listen: 127.0.0.1:${routes[i]}`)
      .replace(/routes: \[[^\]]*\]/, `routes: [${routes.map((r) => `"tls://127.0.0.1:${r}"`).join(', ')}]`);
    const file = join(dir, `n${i + 1}.conf`);
    mkdirSync(join(dir, `n${i + 1}`), { recursive: true });
    writeFileSync(file, conf);
    return file;
  });
  const start = (i: number) => startDaemon('nats-server', ['-c', confs[i] as string]);
  const servers = confs.map((_, i) => start(i));
  const urls = ports.map((p) => `tls://127.0.0.1:${p}`);
  const tls = { ca: ca.certPem, cert: client.certPem, key: client.keyPem };
  const login = (user?: keyof typeof users, extra: Partial<ConnectionOptions> = {}) =>
    connect({
      servers: urls,
      tls,
      timeout: 3000,
      ...(user ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(users[user].seed)), inboxPrefix: `_INBOX_${user}` } : {}),
      ...extra,
    });
  const stop = async () => {
    for (const s of servers) await s.stop();
  };
  try {
    for (const p of ports) await waitForPort(p);
    const nc = await login('admin');
    try {
      await eventually(() => jetstreamManager(nc, { timeout: 1000 }).then(() => true), 30_000, 'jetstream ready');
    } finally {
      await nc.close();
    }
  } catch (e) {
    const out = servers.map((s) => s.output()).join('\n');
    await stop();
    throw new Error(`fleet nats did not start: ${(e as Error).message}\n${out}`, { cause: e });
  }
  return {
    urls,
    servers,
    ca,
    tls,
    users,
    nodeEnv: (user, first = 0) => ({
      NATS_URL: [...urls.slice(first), ...urls.slice(0, first)].join(','),
      NATS_NKEY: users[user].seed,
      NATS_TLS_CA: tls.ca,
      NATS_TLS_CERT: tls.cert,
      NATS_TLS_KEY: tls.key,
    }),
    login,
    kill: (i) => servers[i]?.stop() ?? Promise.resolve(),
    restart: async (i) => {
      await servers[i]?.stop();
      servers[i] = start(i);
      await waitForPort(ports[i] as number);
    },
    stop,
  };
}

// One server of the example config in its own temp dir, with the buckets and the stream made as an operator makes
// them (`mta fleet init` as the admin user), so nodes log in with least privilege. stop() also removes the dir.
export async function initializedFleetNats(prefix: string): Promise<FleetNats> {
  const t = await tempRoot(prefix);
  const nats = await startFleetNats(t.dir, 1);
  const admin = await nats.login('admin');
  try {
    await initFleet(admin, 1);
  } finally {
    await admin.close();
  }
  return {
    ...nats,
    stop: async () => {
      await nats.stop();
      await t.cleanup();
    },
  };
}
