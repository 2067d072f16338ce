import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../harness/net.ts';
import { inNs, netns, REPO, type Run, sh } from './podman.ts';

// A private network for image tests, like a docker bridge network, built from network namespaces only (nothing on
// the host's own interfaces): one namespace holds a Linux bridge (the "gateway", LAB_GATEWAY, like the host side
// of a docker network), and every peer (a container, a client, LDAP, MariaDB) gets a namespace of its own attached
// to the bridge by a veth pair. A DNS server on the gateway answers the peers' names, as docker's embedded DNS does.
// A container joins with `podman run --network ns:<peer.path>`; a container sharing the gateway namespace is a
// host-network mta reached through the bridge address.

const LAB_PREFIX = 24;
export const LAB_GATEWAY = '10.89.0.1';
const LAB_DOMAIN = 'example.com';
export const LAB_SUBNET = `10.89.0.0/${LAB_PREFIX}`;

export interface LabPeer {
  name: string;
  // The peer's network namespace (ip netns name) and its path for podman.
  ns: string;
  path: string;
  ip: string;
  // A command inside the peer's namespace; /etc/hosts and /etc/resolv.conf there are the lab's.
  exec: (cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number }) => Run;
}

export interface Lab {
  // The namespace holding the bridge; its address is LAB_GATEWAY.
  gateway: LabPeer;
  // name -> address of every peer (short names; `<name>.example.com` resolves too).
  hosts: Record<string, string>;
  peer: (name: string, ip: string) => LabPeer;
  // podman arguments that make a container resolve the lab's names, as on a docker network.
  dnsArgs: () => string[];
  remove: () => void;
}

// Host files `ip netns exec` binds over /etc/hosts and /etc/resolv.conf inside a namespace.
function nsFiles(ns: string, hosts: Record<string, string>): void {
  const dir = join('/etc/netns', ns);
  mkdirSync(dir, { recursive: true });
  const lines = Object.entries(hosts).map(([n, ip]) => `${ip}\t${n}.${LAB_DOMAIN} ${n}`);
  writeFileSync(join(dir, 'hosts'), `127.0.0.1\tlocalhost\n${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'resolv.conf'), `nameserver ${LAB_GATEWAY}\nsearch ${LAB_DOMAIN}\n`);
}

function must(r: Run, what: string): void {
  if (r.status !== 0) throw new Error(`${what}: ${r.out}`);
}

// Creates the bridge namespace and the DNS server; `tag` keeps names unique per test run (pid, branch).
export async function createLab(tag: string, hosts: Record<string, string>): Promise<Lab> {
  const made: { remove: () => void }[] = [];
  const names = new Set<string>();
  const br = netns(`${tag}-gw`);
  made.push(br);
  names.add(br.name);
  const ip = (...args: string[]) => sh('ip', ['-n', br.name, ...args]);
  must(ip('link', 'add', 'br0', 'type', 'bridge'), 'bridge');
  must(ip('addr', 'add', `${LAB_GATEWAY}/${LAB_PREFIX}`, 'dev', 'br0'), 'bridge address');
  must(ip('link', 'set', 'br0', 'up'), 'bridge up');
  const all = { gateway: LAB_GATEWAY, ...hosts };
  nsFiles(br.name, all);
  const exec = (ns: string) => (cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number }) => inNs(ns, cmd, args, opts);
  let n = 0;
  const peer = (name: string, addr: string): LabPeer => {
    const p = netns(`${tag}-${name}`);
    made.push(p);
    names.add(p.name);
    // Both ends are created inside namespaces: the host's own interfaces never change.
    const veth = `vl${process.pid % 100000}x${n++}`;
    must(ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.name), `veth for ${name}`);
    must(ip('link', 'set', veth, 'master', 'br0', 'up'), `attach ${name}`);
    const pip = (...args: string[]) => sh('ip', ['-n', p.name, ...args]);
    must(pip('addr', 'add', `${addr}/${LAB_PREFIX}`, 'dev', 'eth0'), `address of ${name}`);
    must(pip('link', 'set', 'eth0', 'up'), `${name} up`);
    must(pip('route', 'add', 'default', 'via', LAB_GATEWAY), `route of ${name}`);
    nsFiles(p.name, all);
    return { name, ns: p.name, path: p.path, ip: addr, exec: exec(p.name) };
  };
  const dns = startLabDns(br.name, all);
  const lab: Lab = {
    gateway: { name: 'gateway', ns: br.name, path: br.path, ip: LAB_GATEWAY, exec: exec(br.name) },
    hosts: all,
    peer,
    dnsArgs: () => [
      '--dns',
      LAB_GATEWAY,
      '--dns-search',
      LAB_DOMAIN,
      ...Object.entries(all).flatMap(([h, a]) => ['--add-host', `${h}.${LAB_DOMAIN}:${a}`, '--add-host', `${h}:${a}`]),
    ],
    remove: () => {
      dns.kill('SIGTERM');
      for (const m of made.reverse()) m.remove();
      for (const ns of names) rmSync(join('/etc/netns', ns), { recursive: true, force: true });
    },
  };
  try {
    await eventually(() => dnsAnswers(lab), 15_000, 'lab DNS answers');
  } catch (e) {
    lab.remove();
    throw e;
  }
  return lab;
}

// The DNS server runs inside the gateway namespace (a Node child: this process cannot bind in another namespace).
function startLabDns(ns: string, hosts: Record<string, string>): ChildProcess {
  const script = join(import.meta.dirname, 'lab-dns.ts');
  return spawn(
    'ip',
    ['netns', 'exec', ns, process.execPath, '--conditions=source', '--import', 'tsx', script, LAB_GATEWAY, JSON.stringify(hosts)],
    {
      cwd: REPO,
      stdio: 'ignore',
    },
  );
}

// A lookup through the DNS server, not /etc/hosts: postfix's SMTP client asks DNS.
function dnsAnswers(lab: Lab): boolean {
  const script = `require('node:dns').promises.resolve4('gateway').then(() => process.exit(0), () => process.exit(1))`;
  const r = lab.gateway.exec(process.execPath, ['-e', script], { timeoutMs: 5000 });
  return r.status === 0;
}
