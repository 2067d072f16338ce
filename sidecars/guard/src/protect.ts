import { type Cidr, LOOPBACK, NetworkSet, parseCidr } from '@mta/shared';

// Addresses the guard never bans: loopback, the relay-trusted networks, the trusted proxies (banning one would
// ban every client behind it) and the operator's exceptions.
export function protectedNetworks(o: { mynetworks: readonly string[]; proxies: readonly string[]; ignore: readonly string[] }): NetworkSet {
  const parse = (list: readonly string[]) => list.map((n) => parseCidr(n)).filter((c): c is Cidr => c !== undefined);
  return new NetworkSet([...LOOPBACK, ...parse(o.mynetworks), ...parse(o.proxies), ...parse(o.ignore)]);
}

// postfix's mynetworks value (`postconf -h mynetworks`): networks, maybe bracketed IPv6; table references and
// host names cannot be matched here and are skipped (the guard then may ban such a host, postfix still relays for it).
export function parseMynetworks(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .filter(Boolean)
    .filter((t) => parseCidr(t) !== undefined);
}
