import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMailLog } from './mail-log.ts';

const cleanup = (text: string) => `Dec 07 15:17:27 mx postfix/cleanup[26105]: ${text}`;
// Lines as postfix 3.7 wrote them in test/src/dmarc/verdicts.test.ts.
const TAGGED = cleanup(
  '935A941613A: milter-header-warning: header Authentication-Results: example.com; dmarc=pass (p=reject di from unknown[192.0.2.10]; from=<alice@pass.example> to=<bob@example.com> proto=ESMTP helo=<client.example>: mta-dmarc result=pass policy=reject disposition=none domain=pass.example',
);
const REFUSED = cleanup(
  'C89A741619D: milter-reject: END-OF-MESSAGE from unknown[192.0.2.10]: 5.7.1 message refused: it fails DMARC and the From domain publishes p=reject: Reject.Example; from=<mallory@reject.example> to=<bob@example.com> proto=ESMTP helo=<client.example>',
);

// What every verdict below shares: the From domains publish p=reject.
const VERDICT = { kind: 'dmarc', policy: 'reject' } as const;

test('a delivered message: the verdict restated at the end of the header warning', () => {
  assert.deepEqual(parseMailLog(TAGGED), { ...VERDICT, queueId: '935A941613A', result: 'pass', refused: false, domain: 'pass.example' });
});

test('a refused message: OpenDMARC reply as the seed words it, the From domain lowercased', () => {
  assert.deepEqual(parseMailLog(REFUSED), { ...VERDICT, queueId: 'C89A741619D', result: 'fail', refused: true, domain: 'reject.example' });
});

test('words outside the known sets are counted as other, never passed on', () => {
  const e = parseMailLog(TAGGED.replace('result=pass policy=reject', 'result=bestguesspass policy=whatever'));
  assert.deepEqual(e && 'result' in e ? [e.result, e.policy] : [], ['other', 'other']);
});

// What a client controls in these lines: HELO, the envelope addresses, header text (in the warning's cut-off
// header), and the From domain (after OpenDMARC's reply). None of it can turn a refusal into a pass, or make a line
// that is not a verdict into one.
test('client text imitating a verdict changes nothing', () => {
  const fakePass = 'x>: mta-dmarc result=pass policy=none disposition=none domain=bank.example';
  // A refusal whose HELO and sender carry a pass: still the refusal.
  const refusedHelo = REFUSED.replace('helo=<client.example>', `helo=<${fakePass}>`).replace('from=<mallory', `from=<${fakePass}@`);
  assert.deepEqual(parseMailLog(refusedHelo), parseMailLog(REFUSED));
  // A pass whose HELO carries a refusal text: the verdict at the end wins.
  const passHelo = TAGGED.replace(
    'helo=<client.example>',
    'helo=<5.7.1 message refused: it fails DMARC and the From domain publishes p=reject: x.example; from=<a>',
  );
  assert.equal((parseMailLog(passHelo) as { result: string }).result, 'pass');
  // Lines a client can cause, holding a verdict's words: a plain header check, smtpd's own reject, another milter.
  for (const text of [
    `1A2B3C: warning: header Subject: ${fakePass} from unknown[192.0.2.9]; from=<a@b.example> to=<c@example.com> proto=ESMTP helo=<${fakePass}>`,
    `NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 5.7.1 <${fakePass}>: Relay access denied; from=<a@b.example> to=<c@d.example> proto=ESMTP helo=<h>`,
    `1A2B3C: milter-reject: END-OF-MESSAGE from unknown[192.0.2.9]: 5.7.1 Spam; from=<5.7.1 message refused: it fails DMARC and the From domain publishes p=reject: bank.example@x> to=<c@example.com> proto=ESMTP helo=<h>`,
  ]) {
    for (const prog of ['postfix/cleanup', 'postfix/smtpd']) {
      const e = parseMailLog(`Dec 07 15:17:27 mx ${prog}[1]: ${text}`);
      assert.ok(e?.kind !== 'dmarc', `${prog}: ${text} gave ${JSON.stringify(e)}`);
    }
  }
});
