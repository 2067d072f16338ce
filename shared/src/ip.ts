export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

// Addresses are parsed here, not with node:net: every sidecar validates address lists in its environment, and the
// guard matches every client against its protected networks; node:net would cost each ~2 MB of resident memory.
const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function v4Bits(ip: string): bigint | undefined {
  if (!V4.test(ip)) return undefined;
  return ip.split('.').reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
}

function v6Bits(ip: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(ip) || ip.split('::').length > 2) return undefined;
  const [head = '', tail] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  let h = groups(head);
  let t = tail === undefined ? [] : groups(tail);
  const last = (tail === undefined ? h : t).at(-1);
  // An embedded IPv4 address (::ffff:192.0.2.1) is two groups.
  if (last?.includes('.')) {
    const b = v4Bits(last);
    if (b === undefined) return undefined;
    const two = [(b >> 16n).toString(16), (b & 0xffffn).toString(16)];
    if (tail === undefined) h = [...h.slice(0, -1), ...two];
    else t = [...t.slice(0, -1), ...two];
  }
  const missing = 8 - h.length - t.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...h, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...t];
  if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return all.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

// 4, 6 or 0, like node:net's isIP.
export function ipFamily(ip: string): 0 | 4 | 6 {
  if (v4Bits(ip) !== undefined) return 4;
  return ip.includes(':') && v6Bits(ip) !== undefined ? 6 : 0;
}

// "192.0.2.1", "192.0.2.0/24", "2001:db8::/32", "[::1]/128" (postfix's brackets) -> a network; undefined otherwise.
export function parseCidr(raw: string): Cidr | undefined {
  const m = /^\[?([0-9A-Fa-f.:]+)\]?(?:\/(\d{1,3}))?$/.exec(raw.trim());
  if (!m) return undefined;
  const address = m[1] as string;
  const v = ipFamily(address);
  if (!v) return undefined;
  const max = v === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  if (prefix > max) return undefined;
  return { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

export const formatCidr = (c: Cidr): string => (c.prefix === (c.family === 'ipv4' ? 32 : 128) ? c.address : `${c.address}/${c.prefix}`);

// Loopback in both families: never a proxy to distrust, never a client to ban.
export const LOOPBACK: readonly Cidr[] = [
  { address: '127.0.0.0', prefix: 8, family: 'ipv4' },
  { address: '::1', prefix: 128, family: 'ipv6' },
];

interface Net {
  bits: bigint;
  mask: bigint;
  v6: boolean;
}

const maskOf = (prefix: number, width: number): bigint => (prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(width - prefix));

// Membership test over networks of both families; IPv4-mapped IPv6 clients (::ffff:192.0.2.1) match IPv4 networks.
export class NetworkSet {
  private readonly nets: Net[];
  readonly networks: readonly Cidr[];
  constructor(networks: readonly Cidr[]) {
    this.networks = networks;
    this.nets = networks.flatMap((n) => {
      const v6 = n.family === 'ipv6';
      const bits = v6 ? v6Bits(n.address) : v4Bits(n.address);
      if (bits === undefined) return [];
      const mask = maskOf(n.prefix, v6 ? 128 : 32);
      return [{ bits: bits & mask, mask, v6 }];
    });
  }
  has(ip: string): boolean {
    const plain = normalizeIp(ip);
    if (!plain) return false;
    const v6 = plain.includes(':');
    const bits = v6 ? v6Bits(plain) : v4Bits(plain);
    if (bits === undefined) return false;
    return this.nets.some((n) => n.v6 === v6 && (bits & n.mask) === n.bits);
  }
}

// A client address as logs and the ban list write it: IPv4 plain, IPv6 lowercased, mapped IPv4 unwrapped.
export function normalizeIp(ip: string): string | undefined {
  const t = ip.trim().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(t)?.[1];
  if (mapped) return v4Bits(mapped) === undefined ? undefined : mapped;
  const v = ipFamily(t);
  return v ? (v === 6 ? t.toLowerCase() : t) : undefined;
}
