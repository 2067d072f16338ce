import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregate, domainsOf } from './aggregate.ts';
import { RECORD } from './history.test-helper.ts';
import { parseHistory } from './history.ts';

const verdict = (over: Record<string, string>) => {
  let r = RECORD;
  for (const [k, v] of Object.entries(over)) r = r.replace(new RegExp(`^${k} .*$`, 'm'), `${k} ${v}`);
  const [v] = parseHistory(r).verdicts;
  assert.ok(v, r);
  return v;
};

test('a day of one policy domain: identical messages share a row, the same message twice counts once', () => {
  const pass1 = verdict({ job: 'A1' });
  const pass2 = verdict({ job: 'A2', received: '1767225700' });
  // Refused: p=reject, neither aligned, SPF fail, refused in the session.
  const fail = verdict({
    job: 'A3',
    ipaddr: '198.51.100.7',
    spf: '7',
    dkim: 'pass.example 7',
    policy: '16',
    align_dkim: '5',
    align_spf: '5',
    action: '0',
  });
  const nextDay = verdict({ job: 'A4', received: String(1767225600 + 86_400) });
  const other = verdict({ job: 'A5', pdomain: 'other.example' });
  const all = [pass1, pass2, pass1, fail, nextDay, other];
  assert.deepEqual(domainsOf(all, '2026-01-01'), ['other.example', 'pass.example']);
  const r = aggregate('pass.example', '2026-01-01', all);
  assert.ok(r);
  assert.equal(r.begin, 1767225600);
  assert.equal(r.end, 1767225600 + 86_399);
  assert.deepEqual(r.policy, { adkim: 'r', aspf: 'r', p: 'reject', sp: 'reject', pct: 100 });
  assert.deepEqual(
    r.rows.map((x) => [x.ip, x.count, x.disposition, x.dkim, x.spf, x.spfResult.result, x.dkimResults[0]?.result]),
    [
      ['192.0.2.10', 2, 'none', 'pass', 'pass', 'pass', 'pass'],
      ['198.51.100.7', 1, 'reject', 'fail', 'fail', 'fail', 'fail'],
    ],
  );
});

test('a failure under quarantine, or under reject but not refused (tag, pct), went down the spam path: quarantine', () => {
  const quar = verdict({ policy: '17', p: '113', align_dkim: '5', align_spf: '5', action: '4' });
  const spared = verdict({ job: 'B2', policy: '16', align_dkim: '5', align_spf: '5', action: '2' });
  const r = aggregate('pass.example', '2026-01-01', [quar, spared]);
  assert.deepEqual(
    r?.rows.map((x) => x.disposition),
    ['quarantine'],
  );
  assert.equal(r?.rows[0]?.count, 2);
});
