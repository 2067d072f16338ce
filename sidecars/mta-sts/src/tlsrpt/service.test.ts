import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createLogger } from '@mta/shared';
import { TlsRptService } from './service.ts';

const DAY = Date.parse('2026-01-01T12:00:00Z');
const NEXT = Date.parse('2026-01-02T00:11:00Z');
const dgram = (d: string, f: 0 | 1) =>
  Buffer.from(
    JSON.stringify({
      dpv: '1',
      d,
      policies: [
        {
          'policy-type': 2,
          'policy-string': ['version: STSv1'],
          'mx-host': [`mx.${d}`],
          ...(f ? { 'failure-details': [{ c: 202 }] } : {}),
          t: f,
          f,
        },
      ],
    }),
  );

test('counts survive a restart; each domain with a TLSRPT record gets one report once its day is over, never twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mta-tlsrpt-svc-'));
  const sent: { to: string; raw: string }[] = [];
  const posted: { url: string; gz: Buffer }[] = [];
  let clock = DAY;
  const make = () =>
    new TlsRptService({
      stateDir: dir,
      reporter: { org: 'Us', email: 'tls@us.example', node: 'mx1' },
      log: createLogger({ sidecar: 'mta-sts', node: 'mx1', destination: { write: () => undefined } }),
      txt: async (name) =>
        ({
          '_smtp._tls.a.example': ['v=TLSRPTv1; rua=mailto:rua@a.example,https://r.a.example/x'],
          '_smtp._tls.b.example': ['v=spf1 -all'],
        })[name] ?? [],
      submit: async (raw, _from, to) => void sent.push({ to, raw }),
      post: async (url, gz) => void posted.push({ url, gz }),
      now: () => clock,
      node: 'mx1',
      passMs: 3_600_000,
    });
  try {
    const one = make();
    await one.start();
    for (const d of [dgram('a.example', 0), dgram('a.example', 0), dgram('a.example', 1), dgram('b.example', 0), Buffer.from('junk')])
      one.take(d);
    await one.runOnce();
    one.take(dgram('a.example', 0));
    // Killed politely: what came in since the last pass is written.
    await one.close();
    const two = make();
    await two.start();
    await two.runOnce();
    assert.equal(sent.length, 0, 'the day is not over yet');
    clock = NEXT;
    await two.runOnce();
    await two.runOnce();
    assert.deepEqual(
      sent.map((s) => s.to),
      ['rua@a.example'],
    );
    assert.equal(posted.length, 1);
    const report = JSON.parse(gunzipSync(posted[0]?.gz ?? Buffer.alloc(0)).toString('utf8'));
    assert.deepEqual(report.policies[0].summary, { 'total-successful-session-count': 3, 'total-failure-session-count': 1 });
    assert.equal(report.policies[0]['failure-details'][0]['result-type'], 'certificate-host-mismatch');
    await two.close();
    const three = make();
    await three.start();
    await three.runOnce();
    await three.close();
    assert.equal(sent.length, 1, 'sent once, also across a restart');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
