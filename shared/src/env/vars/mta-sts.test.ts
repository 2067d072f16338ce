import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tlsRptFrom, tlsRptOrg } from './mta-sts.ts';
import { errorsOf, parse } from './parse.test-helper.ts';

test('outbound MTA-STS is on by default; publishing is off, with safe values for when it is turned on', () => {
  const r = parse({});
  assert.ok(r.ok);
  assert.equal(r.config.MTA_STS, true);
  assert.equal(r.config.MTA_STS_PUBLISH, 'off');
  assert.equal(r.config.MTA_STS_MX, undefined);
  assert.equal(r.config.MTA_STS_MAX_AGE, 604800);
  assert.deepEqual(r.config.MTA_STS_LISTEN, { host: '0.0.0.0', port: 8461 });
});

test('publishing needs MAIL_DOMAIN; MX names are host names or *.domain; max_age within RFC 8461 bounds', () => {
  assert.deepEqual(errorsOf({ MTA_STS_PUBLISH: 'testing', MAIL_DOMAIN: 'a.test', MTA_STS_MX: 'mx1.a.test, *.mx.a.test' }), []);
  assert.match(errorsOf({ MTA_STS_PUBLISH: 'enforce', HOSTNAME: 'mx' }).join('\n'), /needs MAIL_DOMAIN/);
  assert.match(errorsOf({ MTA_STS_PUBLISH: 'strict' }).join('\n'), /MTA_STS_PUBLISH/);
  assert.match(errorsOf({ MTA_STS_MX: 'mx1.a.test a.*.test' }).join('\n'), /a\.\*\.test/);
  assert.match(errorsOf({ MTA_STS_MAX_AGE: '60' }).join('\n'), /from 86400 to 31557600/);
  assert.match(errorsOf({ MTA_STS_LISTEN: '8461' }).join('\n'), /host:port/);
});

test('TLS reports are opt-in; their sender and organisation default to the primary domain; checked like the DMARC ones', () => {
  const r = parse({ MAIL_DOMAIN: 'a.test b.test' });
  assert.ok(r.ok);
  assert.equal(r.config.TLSRPT_REPORTS, false);
  assert.equal(tlsRptFrom(r.config), 'noreply-tlsrpt@a.test');
  assert.equal(tlsRptOrg(r.config), 'a.test');
  const set = parse({ TLSRPT_REPORTS: 'yes', TLSRPT_REPORT_FROM: 'tls@b.test', TLSRPT_REPORT_ORG: 'B Mail' });
  assert.ok(set.ok);
  assert.equal(tlsRptFrom(set.config), 'tls@b.test');
  assert.equal(tlsRptOrg(set.config), 'B Mail');
  assert.match(errorsOf({ TLSRPT_REPORT_FROM: 'not an address' }).join('\n'), /TLSRPT_REPORT_FROM/);
  assert.match(errorsOf({ TLSRPT_REPORT_ORG: 'line\nbreak' }).join('\n'), /TLSRPT_REPORT_ORG/);
  assert.match(errorsOf({ TLSRPT_REPORTS: 'sometimes' }).join('\n'), /TLSRPT_REPORTS/);
});
