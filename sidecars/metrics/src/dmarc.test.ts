import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMailLog } from '@mta/shared';
import { createFamilies } from './families.ts';
import { render } from './registry.ts';
import { countLogEvent } from './traffic.ts';

const cleanup = (text: string) => `Dec 07 15:17:27 mx postfix/cleanup[26105]: ${text}`;

test('DMARC verdicts are counted by result class, policy and refusal, never by the client-chosen From domain', () => {
  const f = createFamilies();
  const lines = [
    cleanup(
      'A1: milter-header-warning: header Authentication-Results: example.com; dmarc=pass (p=reject di from unknown[192.0.2.10]; from=<a@bank.example> to=<b@example.com> proto=ESMTP helo=<h>: mta-dmarc result=pass policy=reject disposition=none domain=bank.example',
    ),
    cleanup(
      'A2: milter-reject: END-OF-MESSAGE from unknown[192.0.2.10]: 5.7.1 message refused: it fails DMARC and the From domain publishes p=reject: bank.example; from=<a@bank.example> to=<b@example.com> proto=ESMTP helo=<h>',
    ),
    cleanup(
      'A3: milter-header-warning: header Authentication-Results: example.com; dmarc=fail (p=quarantin from unknown[192.0.2.10]; from=<a@q.example> to=<b@example.com> proto=ESMTP helo=<h>: mta-dmarc result=fail policy=quarantine disposition=none domain=q.example',
    ),
  ];
  for (const l of lines) {
    const e = parseMailLog(l);
    assert.ok(e, l);
    countLogEvent(f, e);
  }
  const text = render([f.dmarc]);
  assert.match(text, /^mta_dmarc_verdicts_total\{result="pass",policy="reject",refused="false"\} 1$/m);
  assert.match(text, /^mta_dmarc_verdicts_total\{result="fail",policy="reject",refused="true"\} 1$/m);
  assert.match(text, /^mta_dmarc_verdicts_total\{result="fail",policy="quarantine",refused="false"\} 1$/m);
  assert.doesNotMatch(text, /example/);
});
