import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runCli } from '../program.ts';
import { decodePdp, encodePdp } from './am-pdp.ts';
import { formatEntries, listQuarantine, parseQuarantined } from './quarantine-entries.ts';

const virus = `Return-Path: <v@remote.test>
X-Envelope-From: <v@remote.test>
X-Envelope-To: <bob@example.com>,
 <carol@example.com>
X-Quarantine-ID: <hmohv64uJYzM>
X-Amavis-Alert: INFECTED, message contains virus: Eicar-Test
Subject: eicar
Date: Wed, 25 Nov 2026 17:14:16 GMT

body: X-Envelope-From: <not@header>
`;
const spam = 'X-Envelope-From: <>\nX-Envelope-To: <bob@example.com>\nX-Spam-Score: 999.8\nSubject: buy\nDate: today\n\nx\n';

describe('quarantine listing', () => {
  it('reads id, sender, recipients, subject and reason from the headers amavis adds', () => {
    assert.deepEqual(parseQuarantined('h/virus-hmohv64uJYzM', virus), {
      id: 'hmohv64uJYzM',
      file: 'h/virus-hmohv64uJYzM',
      date: 'Wed, 25 Nov 2026 17:14:16 GMT',
      sender: 'v@remote.test',
      recipients: ['bob@example.com', 'carol@example.com'],
      subject: 'eicar',
      reason: 'INFECTED, message contains virus: Eicar-Test',
    });
    const s = parseQuarantined('L/spam-LY0fmotgJ20D.gz', spam);
    assert.equal(s?.id, 'LY0fmotgJ20D');
    assert.equal(s?.sender, '');
    assert.equal(s?.reason, 'SPAM, score 999.8');
    assert.equal(parseQuarantined('x/amavis-tmp', virus), undefined);
  });

  it('walks the subdirectories, unpacks .gz and prints through the CLI', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mta-q-'));
    try {
      const q = join(root, 'var/amavis/quarantine');
      mkdirSync(join(q, 'h'), { recursive: true });
      mkdirSync(join(q, 'L'), { recursive: true });
      writeFileSync(join(q, 'h/virus-hmohv64uJYzM'), virus);
      writeFileSync(join(q, 'L/spam-LY0fmotgJ20D.gz'), gzipSync(spam));
      assert.deepEqual(
        listQuarantine(q).map((e) => e.id),
        ['LY0fmotgJ20D', 'hmohv64uJYzM'],
      );
      const out: string[] = [];
      const io = { env: { MTA_ROOT: root }, out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
      assert.equal(await runCli(['quarantine', 'ls'], io), 0);
      assert.match(out[0] ?? '', /^ID\s+DATE\s+SENDER\s+RECIPIENTS\s+SUBJECT\s+REASON$/);
      assert.match(out[2] ?? '', /^hmohv64uJYzM .*v@remote\.test\s+bob@example\.com,carol@example\.com\s+eicar\s+INFECTED/);
      out.length = 0;
      assert.equal(await runCli(['quarantine', 'release', 'nope'], io), 2);
      assert.match(out.join('\n'), /no quarantined message with id "nope"/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('says so when the quarantine is empty or missing', () => {
    assert.deepEqual(listQuarantine('/nonexistent/quarantine'), []);
    assert.deepEqual(formatEntries([]), ['ID  DATE  SENDER  RECIPIENTS  SUBJECT  REASON']);
  });
});

describe('AM.PDP encoding', () => {
  it('percent-encodes what would break the line protocol and decodes replies', () => {
    assert.equal(encodePdp([['mail_file', 'L/spam-a b=c.gz']]), 'mail_file=L/spam-a%20b%3dc.gz\n\n');
    const r = decodePdp('setreply=250 2.0.0 Ok,%20id=x\r\nsetreply=second\r\n\r\n');
    assert.deepEqual(r.get('setreply'), ['250 2.0.0 Ok, id=x', 'second']);
  });
});
