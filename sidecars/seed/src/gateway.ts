import { readFileSync } from 'node:fs';
import { formatCidr, NetworkSet, parseCidr } from '@mta/shared';

// /proc/net/route: "Iface Destination Gateway Flags …" with addresses as little-endian hex. Default routes (destination
// and mask 0) that go through a gateway (RTF_GATEWAY) name it.
export function ipv4Gateways(table: string): string[] {
  const out: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const [, dest, gw, flags, , , , mask] = line.trim().split(/\s+/);
    if (dest !== '00000000' || mask !== '00000000' || !gw || !/^[0-9A-Fa-f]{8}$/.test(gw)) continue;
    if (!(Number.parseInt(flags ?? '0', 16) & 0x2) || gw === '00000000') continue;
    const bytes = gw.match(/../g)!.map((b) => Number.parseInt(b, 16));
    out.push(bytes.reverse().join('.'));
  }
  return out;
}

// Eight groups -> the usual text form: the longest run of two or more zero groups becomes "::".
function compressV6(groups: string[]): string {
  let best = { at: -1, len: 1 };
  for (let i = 0; i < groups.length; i++) {
    let j = i;
    while (groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

// /proc/net/ipv6_route: "dest prefixlen src srcprefix nexthop metric refcnt use flags iface", 32-digit hex addresses.
export function ipv6Gateways(table: string): string[] {
  const out: string[] = [];
  for (const line of table.split('\n')) {
    const [dest, len, , , hop] = line.trim().split(/\s+/);
    if (!dest || !/^0{32}$/.test(dest) || len !== '00' || !hop || !/^[0-9a-f]{32}$/i.test(hop) || /^0{32}$/.test(hop)) continue;
    out.push(compressV6(hop.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, '').toLowerCase())));
  }
  return out;
}

// The container's default gateways, both families; none when /proc is not readable (not Linux, no network).
export function defaultGateways(read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string[] {
  const table = (p: string) => {
    try {
      return read(p);
    } catch {
      return '';
    }
  };
  return [...ipv4Gateways(table('/proc/net/route')), ...ipv6Gateways(table('/proc/net/ipv6_route'))];
}

// On a docker bridge the default gateway is where docker's userland proxy (published ports) and, without IPv6 on
// the network, every IPv6 client appear: trusting it trusts the internet. One warning per variable naming the
// networks that cover it.
export function gatewayWarnings(
  lists: { MYNETWORKS: readonly string[]; TRUSTED_PROXIES?: readonly string[] },
  gateways: readonly string[],
): string[] {
  const why = {
    MYNETWORKS:
      "so any client that reaches a published port may relay through this host; list the neighbours themselves (e.g. kopano's own address)",
    TRUSTED_PROXIES: 'so any client that reaches a published port may send a PROXY header naming any address; list the proxies themselves',
  };
  const out: string[] = [];
  for (const name of ['MYNETWORKS', 'TRUSTED_PROXIES'] as const) {
    const nets = (lists[name] ?? []).flatMap((n) => {
      const c = parseCidr(n);
      return c ? [c] : [];
    });
    const hit = gateways.filter((g) => new NetworkSet(nets).has(g));
    if (!hit.length) continue;
    const covering = nets.filter((n) => hit.some((g) => new NetworkSet([n]).has(g))).map(formatCidr);
    out.push(
      `${name}: ${covering.join(', ')} ${covering.length > 1 ? 'cover' : 'covers'} ${hit.join(', ')}, this container's default gateway, where docker's userland proxy and IPv6 clients appear; ${why[name]}`,
    );
  }
  return out;
}
