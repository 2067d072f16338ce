import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { type Daemon, startDaemon } from './daemon.ts';
import type { FileScope } from './scope.ts';

// A private network namespace for tests that need addresses other than loopback (clients "from the internet",
// a proxy, neighbours in MYNETWORKS) and a DNS server on port 53 (postfix's resolver has no port setting): the
// addresses sit on its lo, /etc/netns/<name>/resolv.conf points `ip netns exec` processes at 127.0.0.1.
export interface TestNetns {
  name: string;
  run: (cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number }) => SpawnSyncReturns<string>;
  start: (cmd: string, args: string[], opts?: { env?: NodeJS.ProcessEnv; cwd?: string }) => Daemon;
  // Resolves once something accepts TCP connections on 127.0.0.1:port inside the namespace.
  waitForPort: (port: number, timeoutMs?: number) => Promise<void>;
  remove: () => void;
}

// The addresses of the hosts a test names, counted up from `first` within its /24: one list that both the namespace
// (its lo holds them all: Object.values) and the test's clients and servers use, numbered once.
export function hostAddresses<K extends string>(first: string, names: readonly K[]): Readonly<Record<K, string>> {
  const m = /^(\d+\.\d+\.\d+\.)(\d+)$/.exec(first);
  const start = Number(m?.[2]);
  if (!m || start + names.length > 255) throw new Error(`no ${names.length} host addresses from ${first}`);
  return Object.fromEntries(names.map((n, i) => [n, `${m[1]}${start + i}`])) as Record<K, string>;
}

const sh = (args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

export function createNetns(name: string, addresses: readonly string[] = []): TestNetns {
  sh(['netns', 'del', name]);
  const add = sh(['netns', 'add', name]);
  if (add.status !== 0) throw new Error(`ip netns add ${name}: ${add.stderr}`);
  sh(['-n', name, 'link', 'set', 'lo', 'up']);
  for (const a of addresses) {
    const r = sh(['-n', name, 'addr', 'add', a.includes(':') ? `${a}/128` : `${a}/32`, 'dev', 'lo']);
    if (r.status !== 0) throw new Error(`ip addr add ${a}: ${r.stderr}`);
  }
  const etc = `/etc/netns/${name}`;
  mkdirSync(etc, { recursive: true });
  writeFileSync(`${etc}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  const run: TestNetns['run'] = (cmd, args, opts = {}) =>
    spawnSync('ip', ['netns', 'exec', name, cmd, ...args], { encoding: 'utf8', input: opts.input, timeout: opts.timeoutMs ?? 60_000 });
  return {
    name,
    run,
    start: (cmd, args, opts) => startDaemon('ip', ['netns', 'exec', name, cmd, ...args], opts),
    waitForPort: async (port, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (run('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { timeoutMs: 2000 }).status === 0) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`nothing listens on 127.0.0.1:${port} in ${name} after ${timeoutMs} ms`);
    },
    remove: () => {
      sh(['netns', 'del', name]);
      rmSync(etc, { recursive: true, force: true });
    },
  };
}

// The test DNS server (dns.ts) on 127.0.0.1:53 inside the namespace, answering from `records`.
export async function startNsDns(ns: TestNetns, records: import('./dns.ts').DnsRecords): Promise<Daemon> {
  const script = new URL('./dns-serve.ts', import.meta.url).pathname;
  const d = ns.start(process.execPath, ['--conditions=source', '--import', 'tsx', script, '53', JSON.stringify(records)]);
  const deadline = Date.now() + 15_000;
  while (!d.output().includes('ready')) {
    if (Date.now() > deadline || d.proc.exitCode !== null) throw new Error(`test DNS server did not start: ${d.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return d;
}

// A namespace holding these addresses with the test DNS server in it: what tests of clients "on the internet" and of
// DNS-driven decisions start from. Both are taken down after the file's tests (`scope`).
export async function netnsWithDns(
  scope: FileScope,
  name: string,
  addresses: readonly string[],
  records: import('./dns.ts').DnsRecords,
): Promise<TestNetns> {
  const ns = createNetns(name, addresses);
  scope.defer(() => ns.remove());
  scope.keep(await startNsDns(ns, records));
  return ns;
}
