import assert from 'node:assert/strict';
import { test } from 'node:test';
import { whyNotMessage } from './message.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

test('ordinary messages pass, with folded headers, CRLF and an mbox From line', () => {
  assert.equal(whyNotMessage(b('From: a@b.c\nSubject: hi\n  there\n\nbody\n')), undefined);
  assert.equal(whyNotMessage(b('Received: from x\r\n\tby y\r\nTo: d@e.f\r\n\r\nbody')), undefined);
  assert.equal(whyNotMessage(b('From a@b.c Wed Nov 25 10:00:00 2026\nFrom: a@b.c\n\nx')), undefined);
});

test('empty, binary and header-less files are refused with a reason', () => {
  assert.equal(whyNotMessage(Buffer.alloc(0)), 'empty file');
  assert.match(whyNotMessage(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00])) ?? '', /binary/);
  assert.match(whyNotMessage(b('just some text\nwithout headers\n')) ?? '', /header field/);
  assert.match(whyNotMessage(b('Subject: x\nthis is not a header\n\nbody')) ?? '', /malformed header line/);
});
