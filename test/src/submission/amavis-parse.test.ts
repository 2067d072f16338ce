import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { amavisAddressList, amavisUnquote } from '@mta/sender-milter/address/amavis';
import { fuzzStrings } from '@mta/sender-milter/testing';
import { readField } from '@mta/sender-milter/verdict';

// amavisd-new's own parser (the Perl module the image's amavis runs), fed one JSON string per line.
const PERL = `
use strict; use JSON::PP;
use Amavis::rfc2821_2822_Tools qw(parse_address_list unquote_rfc2821_local);
my $json = JSON::PP->new->latin1;
while (my $line = <STDIN>) {
  my $v = $json->decode($line);
  my @a = parse_address_list($v);
  print $json->encode([\\@a, [map { unquote_rfc2821_local($_) } @a]]), "\\n";
}`;

function amavis(inputs: string[]): [string[], string[]][] {
  const r = spawnSync('perl', ['-e', PERL], {
    input: `${inputs.map((s) => JSON.stringify(s)).join('\n')}\n`,
    encoding: 'latin1',
    maxBuffer: 1 << 28,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

const SEEDS = [
  'Alice <alice@a.test>',
  '"Boss, The" <boss@b.test>',
  'alice@a.test (Alice (nested))',
  '=?utf-8?q?B=C3=B6ss?= <x@y.test>',
  'team: a@b.test, c@d.test;',
  '"x,mallory,y"@a.test',
  '<@r.test:alice@a.test>',
  'alice@[192.0.2.1]',
  '"a\\"b" <c@d.test>',
];

test("the milter's transcription of amavis's address parser gives amavis's answer, on real and random headers", () => {
  const alphabet = '<>@,:;()"\\[]. \tab\u00e9\n';
  const inputs = [...SEEDS];
  let n = 0;
  for (const base of SEEDS)
    for (const noise of fuzzStrings(++n, 600, alphabet, 5)) {
      const at = noise.length ? noise.charCodeAt(0) % (base.length + 1) : 0;
      inputs.push(base.slice(0, at) + noise + base.slice(at + (noise.length % 3)));
    }
  inputs.push(...fuzzStrings(99, 3000, alphabet, 30));
  const theirs = amavis(inputs);
  assert.equal(theirs.length, inputs.length);
  for (const [i, input] of inputs.entries()) {
    const [list, unquoted] = theirs[i] as [string[], string[]];
    const mine = amavisAddressList(input);
    assert.deepEqual(mine, list, JSON.stringify(input));
    // Unquoting is transcribed for what the milter accepts: no route, no literal.
    for (const [k, a] of mine.entries()) {
      const u = amavisUnquote(a);
      if (u !== undefined) assert.equal(u, unquoted[k], JSON.stringify(a));
    }
    // Whatever the strict parser accepts, amavis reads as the same addresses.
    const accepted = readField(input);
    if (Array.isArray(accepted))
      assert.deepEqual(
        accepted.map((b) => `${b.local}@${b.domain}`),
        unquoted.map((u) => u.trim()),
        JSON.stringify(input),
      );
  }
});
