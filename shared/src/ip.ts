import { BlockList, isIP } from 'node:net';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

// "192.0.2.1", "192.0.2.0/24", "2001:db8::/32", "[::1]/128" (postfix's brackets) -> a network; undefined otherwise.
export function parseCidr(raw: string): Cidr | undefined {
  const m = /^\[?([0-9A-Fa-f.:]+)\]?(?:\/(\d{1,3}))?$/.exec(raw.trim());
  if (!m) return undefined;
  const address = m[1] as string;
  const v = isIP(address);
  if (!v) return undefined;
  const max = v === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  if (prefix > max) return undefined;
  return { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

export const formatCidr = (c: Cidr): string => (c.prefix === (c.family === 'ipv4' ? 32 : 128) ? c.address : `${c.address}/${c.prefix}`);

// Loopback in both families: never a proxy to distrust, never a client to ban.
export const LOOPBACK: readonly Cidr[] = [parseCidr('127.0.0.0/8') as Cidr, parseCidr('::1') as Cidr];

// Membership test over networks of both families; IPv4-mapped IPv6 clients (::ffff:192.0.2.1) match IPv4 networks.
export class NetworkSet {
  private readonly list = new BlockList();
  readonly networks: readonly Cidr[];
  constructor(networks: readonly Cidr[]) {
    this.networks = networks;
    for (const n of networks) this.list.addSubnet(n.address, n.prefix, n.family);
  }
  has(ip: string): boolean {
    const v = isIP(ip);
    if (!v) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
    if (mapped) return this.list.check(mapped, 'ipv4');
    return this.list.check(ip, v === 4 ? 'ipv4' : 'ipv6');
  }
}

// A client address as logs and the ban list write it: IPv4 plain, IPv6 lowercased, mapped IPv4 unwrapped.
export function normalizeIp(ip: string): string | undefined {
  const t = ip.trim().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(t)?.[1];
  if (mapped) return mapped;
  const v = isIP(t);
  return v ? (v === 6 ? t.toLowerCase() : t) : undefined;
}
