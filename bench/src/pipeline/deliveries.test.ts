import assert from 'node:assert/strict';
import { test } from 'node:test';
import { milterVerdictOf } from './deliveries.ts';

test("a delivered message's dkim= and dmarc= of our authserv-id only, opendkim's folded header included", () => {
  const raw = [
    'Authentication-Results: example.com; dmarc=pass (p=reject dis=none) header.from=pass.example',
    'Authentication-Results: example.com;',
    '\tdkim=pass (2048-bit key; unprotected) header.d=pass.example',
    'Authentication-Results: other.example; dkim=fail; dmarc=fail',
    'Subject: x',
    '',
    'Authentication-Results: example.com; dkim=fail in the body',
    '',
  ].join('\r\n');
  assert.equal(milterVerdictOf(raw), 'dkim=pass dmarc=pass');
  assert.equal(milterVerdictOf('Authentication-Results: other.example; dkim=pass\r\n\r\nbody'), 'dkim=? dmarc=?');
  assert.equal(milterVerdictOf('Authentication-Results: example.org; dkim=pass\r\n\r\nbody'), 'dkim=? dmarc=?', 'the dot is a dot');
});
