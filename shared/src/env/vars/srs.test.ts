import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIssue } from '../parse.ts';
import { errorsOf, parse } from './parse.test-helper.ts';

test('SRS is off by default; SRS_DOMAIN defaults to nothing (the renderer takes the primary domain)', () => {
  const r = parse({});
  assert.ok(r.ok);
  assert.equal(r.config.SRS, false);
  assert.equal(r.config.SRS_DOMAIN, undefined);
});

test('SRS_DOMAIN must be one of MAIL_DOMAIN, and SRS needs a domain at all', () => {
  const boxes = { MAIL_BOXES: 'info@a.test' };
  assert.deepEqual(errorsOf({ ...boxes, SRS: 'yes', MAIL_DOMAIN: 'a.test b.test', SRS_DOMAIN: 'B.test' }), []);
  assert.match(
    errorsOf({ ...boxes, SRS: 'yes', MAIL_DOMAIN: 'a.test', SRS_DOMAIN: 'other.test' }).join('\n'),
    /SRS_DOMAIN other\.test is not in MAIL_DOMAIN/,
  );
  assert.match(errorsOf({ SRS: 'yes', HOSTNAME: 'mx' }).join('\n'), /SRS=yes needs MAIL_DOMAIN/);
  // A relay-only container (no mailbox source) does not receive its domains: no bounce could come back.
  assert.match(errorsOf({ SRS: 'yes', MAIL_ALIASES: 'a:b@c.test' }).join('\n'), /SRS=yes needs a mailbox source/);
  assert.match(errorsOf({ SRS: 'maybe' }).join('\n'), /not yes or no/);
  assert.match(errorsOf({ SRS: 'yes', SRS_DOMAIN: 'not a domain' }).join('\n'), /not a domain name/);
});

test('SRS_DOMAIN without SRS=yes is a warning, not an error', () => {
  const r = parse({ MAIL_DOMAIN: 'a.test', SRS_DOMAIN: 'a.test' });
  assert.ok(r.ok);
  assert.match(r.warnings.map(formatIssue).join('\n'), /SRS is off/);
});
