import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultGateways, gatewayWarnings, ipv4Gateways, ipv6Gateways } from './gateway.ts';

// A docker bridge container's tables (gateway 172.18.0.1, IPv6 gateway fd00::1), as the kernel writes them.
const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010012AC\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
`;
const ROUTE6 = `fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000004 00000000 80200001       lo
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
`;

test('default gateways from /proc/net/route and /proc/net/ipv6_route; other routes ignored', () => {
  assert.deepEqual(ipv4Gateways(ROUTE), ['172.18.0.1']);
  assert.deepEqual(ipv6Gateways(ROUTE6), ['fd00::1']);
  assert.deepEqual(ipv4Gateways('Iface\tDestination\n'), []);
  // A host route without RTF_GATEWAY, and the unreachable default on lo, name no gateway.
  assert.deepEqual(ipv4Gateways(ROUTE.replace('\t0003\t', '\t0001\t')), []);
  const files: Record<string, string> = { '/proc/net/route': ROUTE };
  assert.deepEqual(
    defaultGateways((p) => {
      if (!(p in files)) throw new Error('ENOENT');
      return files[p] as string;
    }),
    ['172.18.0.1'],
  );
});

test('MYNETWORKS covering the default gateway warns, naming the variable, the network and the gateway', () => {
  const gw = ['172.18.0.1', 'fd00::1'];
  assert.deepEqual(gatewayWarnings({ MYNETWORKS: ['127.0.0.0/8', '[::1]/128', '172.18.0.5/32'] }, gw), []);
  const [w, ...rest] = gatewayWarnings({ MYNETWORKS: ['127.0.0.0/8', '[::1]/128', '172.18.0.0/16'] }, gw);
  assert.equal(rest.length, 0);
  assert.match(w ?? '', /^MYNETWORKS: 172\.18\.0\.0\/16 covers 172\.18\.0\.1, this container's default gateway, .*kopano's own address/);
  assert.match(gatewayWarnings({ MYNETWORKS: ['[fd00::]/64'] }, gw)[0] ?? '', /^MYNETWORKS: fd00::\/64 covers fd00::1,/);
});

test('TRUSTED_PROXIES covering the default gateway warns too: the userland proxy would be a trusted proxy', () => {
  const [w] = gatewayWarnings({ MYNETWORKS: ['127.0.0.0/8'], TRUSTED_PROXIES: ['172.18.0.0/24'] }, ['172.18.0.1']);
  assert.match(w ?? '', /^TRUSTED_PROXIES: 172\.18\.0\.0\/24 covers 172\.18\.0\.1, .*PROXY header naming any address/);
  assert.deepEqual(gatewayWarnings({ MYNETWORKS: ['127.0.0.0/8'], TRUSTED_PROXIES: ['172.18.0.10'] }, ['172.18.0.1']), []);
  assert.deepEqual(gatewayWarnings({ MYNETWORKS: ['172.18.0.0/16'] }, []), [], 'no gateway (host without /proc, no network)');
});
