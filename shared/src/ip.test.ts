import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOOPBACK, NetworkSet, normalizeIp, parseCidr } from './ip.ts';

test('parseCidr takes plain addresses, networks and postfix brackets', () => {
  assert.deepEqual(parseCidr('192.0.2.0/24'), { address: '192.0.2.0', prefix: 24, family: 'ipv4' });
  assert.deepEqual(parseCidr('[::1]/128'), { address: '::1', prefix: 128, family: 'ipv6' });
  assert.equal(parseCidr('192.0.2.1')?.prefix, 32);
  assert.equal(parseCidr('192.0.2.0/33'), undefined);
  assert.equal(parseCidr('example.com'), undefined);
  assert.equal(parseCidr('300.1.1.1'), undefined);
});

test('NetworkSet matches both families and mapped IPv4', () => {
  const s = new NetworkSet([...LOOPBACK, parseCidr('10.0.0.0/8')!, parseCidr('2001:db8::/32')!]);
  assert.ok(s.has('127.0.0.5'));
  assert.ok(s.has('::1'));
  assert.ok(s.has('10.1.2.3'));
  assert.ok(s.has('::ffff:10.1.2.3'));
  assert.ok(s.has('2001:db8::5'));
  assert.ok(!s.has('192.0.2.1'));
  assert.ok(!s.has('not-an-ip'));
});

test('normalizeIp', () => {
  assert.equal(normalizeIp('[2001:DB8::1]'), '2001:db8::1');
  assert.equal(normalizeIp('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(normalizeIp('x'), undefined);
});

test('ipFamily agrees with node:net on valid and invalid addresses', async () => {
  const { isIP } = await import('node:net');
  const { ipFamily } = await import('./ip.ts');
  for (const a of [
    '192.0.2.1',
    '0.0.0.0',
    '255.255.255.255',
    '256.1.1.1',
    '1.2.3',
    '01.2.3.4',
    '::',
    '::1',
    '2001:db8::1',
    '2001:db8:0:0:0:0:0:1',
    '2001:db8::0:0:0:0:0:1',
    '::ffff:192.0.2.1',
    '1::2::3',
    'fe80::1:2:3:4:5:6:7',
    'gggg::1',
    '12345::1',
    'example.com',
    '',
  ])
    assert.equal(ipFamily(a), isIP(a), a);
  const s = new NetworkSet([parseCidr('2001:db8:abcd::/48')!, parseCidr('0.0.0.0/0')!]);
  assert.ok(s.has('2001:db8:abcd:1::5'));
  assert.ok(!s.has('2001:db8:abce::5'));
  assert.ok(s.has('203.0.113.9'));
});
