import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { renderAmavisSnippet, signingKeys } from './snippet.ts';

const keys = [
  { domain: 'b.test', selector: 'default', file: '/var/db/dkim/b.test.default.privkey.pem' },
  { domain: 'a.test', selector: 'old', file: '/var/db/dkim/a.test.old.privkey.pem' },
  { domain: 'a.test', selector: 'default', file: '/var/db/dkim/a.test.default.privkey.pem' },
];

test('the snippet declares every key, sorted, and signs each domain with one key', () => {
  const s = renderAmavisSnippet(keys, 'default');
  const declared = [...s.matchAll(/^dkim_key\('([^']+)', '([^']+)', '([^']+)'\);$/gm)].map((m) => `${m[1]}/${m[2]}`);
  assert.deepEqual(declared, ['a.test/default', 'a.test/old', 'b.test/default']);
  assert.match(s, /'a\.test' => \{ d => 'a\.test', s => 'default', a => 'rsa-sha256' \},/);
  assert.match(s, /'b\.test' => \{ d => 'b\.test', s => 'default'/);
  assert.match(s, /\n1;\n$/);
});

test('the preferred selector wins, else the first by name', () => {
  assert.deepEqual(
    signingKeys(keys, 'old').map((k) => `${k.domain}/${k.selector}`),
    ['a.test/old', 'b.test/default'],
  );
  assert.deepEqual(
    signingKeys(keys, 'other').map((k) => `${k.domain}/${k.selector}`),
    ['a.test/default', 'b.test/default'],
  );
});

test('quotes in paths cannot break out of the perl string, and the result compiles', () => {
  const s = renderAmavisSnippet([{ domain: 'a.test', selector: 'default', file: "/tmp/it's\\x.pem" }], 'default');
  assert.match(s, /'\/tmp\/it\\'s\\\\x\.pem'/);
  // perl -c with stub dkim_key proves the snippet is valid perl (the real amavis load is in the integration test).
  const prog = `our @dkim_signature_options_bysender_maps; sub dkim_key { print join('|', @_), "\\n" } ${s}`;
  const out = execFileSync('perl', ['-e', prog.replace('use strict;', '')], { encoding: 'utf8' });
  assert.equal(out, "a.test|default|/tmp/it's\\x.pem\n");
});

test('no keys still gives a loadable snippet', () => {
  const s = renderAmavisSnippet([], 'default');
  assert.ok(!s.includes('dkim_key('));
  assert.match(s, /\n1;\n$/);
});
