import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullIp, reportXml } from './xml.ts';

test('IPv6 sources are written in full (the schema takes no ::), IPv4 as it is', () => {
  assert.equal(fullIp('2001:db8::1'), '2001:db8:0:0:0:0:0:1');
  assert.equal(fullIp('::1'), '0:0:0:0:0:0:0:1');
  assert.equal(fullIp('fe80::'), 'fe80:0:0:0:0:0:0:0');
  assert.equal(fullIp('192.0.2.1'), '192.0.2.1');
});

test('every value is escaped: a domain or org name cannot add elements', () => {
  const xml = reportXml(
    {
      domain: 'a.example',
      begin: 0,
      end: 86_399,
      policy: { adkim: 'r', aspf: 's', p: 'none', sp: 'none', pct: 100 },
      rua: [],
      rows: [],
    },
    { org: 'Us & <Them>', email: 'r@example.com', node: 'mx1' },
    'id<1>',
  );
  assert.match(xml, /<org_name>Us &amp; &lt;Them&gt;<\/org_name>/);
  assert.match(xml, /<report_id>id&lt;1&gt;<\/report_id>/);
});
