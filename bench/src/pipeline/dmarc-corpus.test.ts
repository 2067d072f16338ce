import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { split } from '@mta/arc-milter/arc/testing';
import { verifyArc } from '@mta/arc-milter/arc/verify';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { makeCorpus } from './corpus.ts';
import { dmarcCorpus, dmarcWorld } from './dmarc-corpus.ts';

const dir = mkdtempSync(join(tmpdir(), 'mta-dmarc-corpus-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the milter corpus: its mix of From domains, each pass.example message signed and every 5th sealed so that both verify', async () => {
  const w = dmarcWorld(dir);
  const txt = w.records.txt ?? {};
  const nx = () => Object.assign(new Error('no such name'), { code: 'ENOTFOUND' });
  const resolver = async (name: string, type: string) => {
    const r = type === 'TXT' ? txt[name] : undefined;
    if (!r) throw nx();
    return r.map((s) => [s]);
  };
  const lookup = async (name: string) => txt[name] ?? ('nxdomain' as const);
  const source = makeCorpus(10);
  const corpus = await dmarcCorpus(source, w);
  assert.deepEqual(
    corpus.map((m) => m.from.replace(/^.*@/, '')),
    [...Array(8).fill('pass.example'), 'none.example', 'pct.example'],
  );
  for (const [i, m] of corpus.entries()) {
    assert.match(m.raw, new RegExp(`^From: <${m.from}>\\r$`, 'm'));
    assert.match(m.raw, new RegExp(`^Message-ID: <dmarc-42-${i}@`, 'm'), 'an ID of its own');
    const dkim = await dkimVerify(Buffer.from(m.raw), { resolver });
    const results = dkim.results.map((r) => `${r.signingDomain ?? '-'}:${r.status.result}`);
    assert.deepEqual(results, m.from.endsWith('@pass.example') ? ['pass.example:pass'] : ['-:none'], `message ${i}`);
    const { headers, body } = split(m.raw);
    const arc = await verifyArc(headers, body, lookup);
    assert.equal(arc.result, i % 5 === 0 && i < 8 ? 'pass' : 'none', `message ${i}`);
  }
});
