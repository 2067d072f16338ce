import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIssue, parseEnv } from '../parse.ts';

const parse = (env: Record<string, string>) => parseEnv({ HOSTNAME: 'mx.example.com', ...env });

test('ARC_TRUSTED_SEALERS: empty by default, a list of domains, lower-cased', () => {
  const none = parse({});
  assert.ok(none.ok);
  assert.equal(none.config.ARC_TRUSTED_SEALERS, undefined);
  const r = parse({ ARC_TRUSTED_SEALERS: 'Lists.Example.org  groups.example.net' });
  assert.ok(r.ok);
  assert.deepEqual(r.config.ARC_TRUSTED_SEALERS, ['lists.example.org', 'groups.example.net']);
  const bad = parse({ ARC_TRUSTED_SEALERS: 'lists.example.org not_a/domain' });
  assert.ok(!bad.ok);
  assert.match(bad.errors.map(formatIssue).join('\n'), /ARC_TRUSTED_SEALERS/);
});
