import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arcResultsValue } from './header.ts';

test('arc= header text: none, fail with our reason, pass with the sealers, remote IP, the vouching sealer and oldest-pass', () => {
  assert.equal(
    arcResultsValue('example.com', { result: 'none' }, { remoteIp: '192.0.2.1' }),
    'example.com; arc=none smtp.remote-ip=192.0.2.1',
  );
  assert.equal(
    arcResultsValue('example.com', { result: 'fail', reason: 'ams.1 body changed' }, {}),
    'example.com; arc=fail (ams.1 body changed)',
  );
  const pass = {
    result: 'pass' as const,
    sets: [
      { i: 2, sealer: 'fwd.example.net' },
      { i: 1, sealer: 'bad)sealer' },
    ],
    newestResults: '',
    oldestPass: 0,
  };
  assert.equal(
    arcResultsValue('example.com', pass, { remoteIp: '2001:db8::1', chain: 'fwd.example.net' }),
    'example.com; arc=pass (as.2.fwd.example.net=pass, as.1.invalid=pass) smtp.remote-ip=2001:db8::1 arc.chain=fwd.example.net',
  );
  // An older message signature broke (a footer added before set 2): RFC 8617's header.oldest-pass.
  assert.equal(
    arcResultsValue('example.com', { ...pass, oldestPass: 2 }, { remoteIp: '192.0.2.1' }),
    'example.com; arc=pass (as.2.fwd.example.net=pass, as.1.invalid=pass) header.oldest-pass=2 smtp.remote-ip=192.0.2.1',
  );
  // Only an address goes into smtp.remote-ip.
  assert.equal(arcResultsValue('example.com', { result: 'none' }, { remoteIp: 'x; dmarc=pass' }), 'example.com; arc=none');
});
