import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregate } from '@mta/dmarc-reports/aggregate';
import { parseHistory } from '@mta/dmarc-reports/history';
import { reportXml } from '@mta/dmarc-reports/xml';
import { validateReport } from './report-tools.ts';

const record = (job: string, ip: string, over = '') =>
  `job ${job}\nreporter mx\nreceived 1767225600\nipaddr ${ip}\nfrom bank.example\nmfrom bounce.bank.example\nspf 7\ndkim bank.example 0\npdomain bank.example\npolicy 15\nrua mailto:r@bank.example\npct 100\nadkim 115\naspf 114\np 114\nsp 113\nalign_dkim 4\nalign_spf 5\n${over}action 2\n`;

test('a report of every kind of row validates against RFC 7489 Appendix C (xmllint)', () => {
  const history = [
    record('A1', '192.0.2.1'),
    record('A2', '2001:db8::25'),
    record('A3', '198.51.100.9')
      .replace('dkim bank.example 0\n', '')
      .replace('align_dkim 4', 'align_dkim 5')
      .replace('policy 15', 'policy 16')
      .replace('action 2', 'action 0'),
    record('A4', '203.0.113.4').replace('mfrom bounce.bank.example\n', 'mfrom \n').replace('dkim bank.example 0', 'dkim other.example 7'),
  ].join('');
  const { verdicts, dropped } = parseHistory(history);
  assert.equal(dropped, 0);
  const report = aggregate('bank.example', '2026-01-01', verdicts);
  assert.ok(report);
  const xml = reportXml(
    report,
    { org: 'Example & Co', email: 'noreply-dmarc@example.com', node: 'mx1' },
    'bank.example!1767225600@example.com',
  );
  validateReport(xml);
  assert.match(xml, /<source_ip>2001:db8:0:0:0:0:0:25<\/source_ip>/);
  assert.match(xml, /<disposition>reject<\/disposition>/);
});

test('the schema check can fail: a report without records, or with a count that is not a number, is refused', () => {
  const ok = reportXml(
    aggregate('bank.example', '2026-01-01', parseHistory(record('B1', '192.0.2.1')).verdicts) ?? assert.fail('no report'),
    { org: 'o', email: 'r@example.com', node: 'mx1' },
    'x',
  );
  assert.throws(
    () => validateReport(ok.replace(/<record>[\s\S]*<\/record>\n/, '')),
    /fails to validate|not accepted|Missing child element/,
  );
  assert.throws(() => validateReport(ok.replace('<count>1</count>', '<count>one</count>')), /count/);
});
