import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nameMatches, wantedNames } from './names.ts';

describe('wantedNames', () => {
  it('orders hostname, its domain, then mail domains, without duplicates', () => {
    assert.deepEqual(wantedNames('MX.Example.com', ['example.com', 'other.org']), ['mx.example.com', 'example.com', 'other.org']);
  });
  it('has no domain for a single-label hostname', () => {
    assert.deepEqual(wantedNames('mx', []), ['mx']);
    assert.deepEqual(wantedNames(undefined, ['a.org']), ['a.org']);
  });
});

describe('nameMatches', () => {
  it('matches exact names case-insensitively, ignoring a trailing dot', () => {
    assert.equal(nameMatches('mx.example.com', 'MX.example.com.'), true);
    assert.equal(nameMatches('mx.example.com', 'mx2.example.com'), false);
  });
  it('lets a wildcard cover exactly one label', () => {
    assert.equal(nameMatches('*.example.com', 'mx.example.com'), true);
    assert.equal(nameMatches('*.example.com', 'example.com'), false);
    assert.equal(nameMatches('*.example.com', 'a.b.example.com'), false);
    assert.equal(nameMatches('*.example.com', 'mxexample.com'), false);
  });
  it('never matches empty names', () => {
    assert.equal(nameMatches('', 'example.com'), false);
    assert.equal(nameMatches('*.', 'x'), false);
  });
});
