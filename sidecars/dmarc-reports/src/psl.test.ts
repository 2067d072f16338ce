import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orgDomain, parseSuffixList } from './psl.ts';

const LIST = parseSuffixList(`// comment
com
uk
co.uk
*.ck
!www.ck
`);

test('the organizational domain is the public suffix plus one label (longest rule, wildcards, exceptions)', () => {
  assert.equal(orgDomain(LIST, 'mail.news.example.com'), 'example.com');
  assert.equal(orgDomain(LIST, 'news.mta-dmarc.co.uk'), 'mta-dmarc.co.uk');
  assert.equal(orgDomain(LIST, 'a.b.foo.ck'), 'b.foo.ck');
  assert.equal(orgDomain(LIST, 'x.www.ck'), 'www.ck');
  // No rule at all: the last label is the suffix.
  assert.equal(orgDomain(LIST, 'a.b.example'), 'b.example');
  assert.equal(orgDomain(LIST, 'Example.COM.'), 'example.com');
});
