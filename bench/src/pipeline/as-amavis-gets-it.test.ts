import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asSpamAssassinInAmavis, postcatMessage } from './as-amavis-gets-it.ts';

test("SpamAssassin's view in amavis: amavis's Return-Path and X-Envelope-To over the queued message", () => {
  const queued = 'Received: from [UNAVAILABLE] ([192.0.2.10])\n\tby mx.example.com (Postfix)\nSubject: x\n\nbody\n';
  assert.equal(
    asSpamAssassinInAmavis(queued, { from: 'a@pass.example', to: 'user1@example.com' }),
    `Return-Path: <a@pass.example>\nX-Envelope-To: <user1@example.com>\n${queued}`,
  );
});

test('postcat output: section banners dropped, the message kept as it is', () => {
  const msg = 'Authentication-Results: example.com; dkim=pass\nSubject: *** not a banner ***\n\n*** body ***\n';
  assert.equal(postcatMessage(`*** HEADER EXTRACTED ***\n${msg}*** MESSAGE FILE END ***\n`), msg);
  assert.equal(postcatMessage(msg), msg);
});
