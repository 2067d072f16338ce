import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSuffixList } from './psl.ts';
import { parseRua, verifiedDestination } from './rua.ts';

test('rua: mailto destinations only, with their size limit; duplicates and bad addresses dropped; at most two', () => {
  assert.deepEqual(parseRua(['mailto:a@example.com!10m', 'https://x.example/r', 'mailto:not-an-address', 'mailto:A@example.com']), [
    { address: 'a@example.com', maxBytes: 10 * 1024 * 1024 },
  ]);
  assert.deepEqual(parseRua(['mailto:a@x.example!500', 'mailto:b@x.example', 'mailto:c@x.example']), [
    { address: 'a@x.example', maxBytes: 500 },
    { address: 'b@x.example' },
  ]);
});

test('RFC 7489 7.1: an outside destination needs <domain>._report._dmarc.<its domain> with v=DMARC1', async () => {
  const psl = parseSuffixList('com\nexample\n');
  const asked: string[] = [];
  const dns = (answers: Record<string, string[]>) => async (name: string) => {
    asked.push(name);
    return answers[name] ?? [];
  };
  // Same organizational domain: no question asked.
  assert.equal(await verifiedDestination({ address: 'r@reports.bank.com' }, 'mail.bank.com', psl, dns({})), true);
  assert.deepEqual(asked, []);
  assert.equal(await verifiedDestination({ address: 'r@vendor.com' }, 'bank.com', psl, dns({})), false);
  assert.equal(
    await verifiedDestination({ address: 'r@vendor.com' }, 'bank.com', psl, dns({ 'bank.com._report._dmarc.vendor.com': ['v=DMARC1'] })),
    true,
  );
  assert.equal(
    await verifiedDestination({ address: 'r@vendor.com' }, 'bank.com', psl, dns({ 'bank.com._report._dmarc.vendor.com': ['v=spf1 -all'] })),
    false,
  );
});
