import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RECORD } from './history.test-helper.ts';
import { parseHistory, verdictsFromJson } from './history.ts';

test('a record of OpenDMARC history is read whole, in its own codes', () => {
  const { verdicts, dropped } = parseHistory(
    RECORD + RECORD.replace('4Xq2Lk0Zb2z9', '4Xq2Lk0Zb3aa').replace('rua mailto:dmarc@pass.example', 'rua -'),
  );
  assert.equal(dropped, 0);
  assert.equal(verdicts.length, 2);
  assert.deepEqual(verdicts[0], {
    job: '4Xq2Lk0Zb2z9',
    received: 1767225600,
    ip: '192.0.2.10',
    from: 'pass.example',
    mfrom: 'pass.example',
    spf: 0,
    dkim: [{ domain: 'pass.example', result: 0 }],
    pdomain: 'pass.example',
    policy: 15,
    rua: ['mailto:dmarc@pass.example'],
    pct: 100,
    adkim: 114,
    aspf: 114,
    p: 114,
    sp: 114,
    alignDkim: 4,
    alignSpf: 4,
    action: 2,
  });
  assert.deepEqual(verdicts[1]?.rua, []);
});

test('hostile input: a bad line drops its record only, a record cut short at the end is not taken', () => {
  const bad = [
    RECORD.replace('ipaddr 192.0.2.10', 'ipaddr 192.0.2.999'),
    RECORD.replace('from pass.example', 'from <script>'),
    RECORD.replace('pct 100', 'pct 100\npct 0'),
    RECORD.replace('spf 0', 'spf zero'),
    RECORD.replace('action 2\n', 'injected line\naction 2\n'),
    RECORD.replace('align_spf 4\n', ''),
  ];
  for (const b of bad) assert.deepEqual(parseHistory(b), { verdicts: [], dropped: 1 }, b);
  // Another record's job line before this one's action: the first is incomplete.
  assert.deepEqual(parseHistory(RECORD.replace('action 2\n', '') + RECORD).verdicts.length, 1);
  // Still being written: no final newline.
  assert.deepEqual(parseHistory(RECORD.slice(0, -1)), { verdicts: [], dropped: 1 });
  // Lines outside any record count, and do not stop the next record.
  assert.deepEqual(parseHistory(`garbage\n${RECORD}`).verdicts.length, 1);
});

test('verdicts from elsewhere (JSON) pass the same checks as the history file: bad ones are dropped whole', () => {
  const [v] = parseHistory(RECORD).verdicts;
  assert.ok(v);
  assert.deepEqual(verdictsFromJson([v, v]), { verdicts: [v, v], dropped: 0 });
  const smuggled = { ...v, from: 'pass.example\naction 2' };
  const badIp = { ...v, ip: 'mx.example' };
  const notAList = { ...v, dkim: 'pass.example 0' };
  assert.deepEqual(verdictsFromJson([smuggled, badIp, notAList, 42, v]), { verdicts: [v], dropped: 4 });
  assert.deepEqual(verdictsFromJson({ v }), { verdicts: [], dropped: 1 });
});
