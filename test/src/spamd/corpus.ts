import { randomInt } from 'node:crypto';

const SPAMMY =
  'viagra cheap pills offer winner lottery casino bonus free money crypto investment guaranteed refund urgent claim prize discount replica loan mortgage bitcoin unsubscribe click limited'.split(
    ' ',
  );
const HAMMY =
  'meeting agenda project review quarterly budget deadline invoice attached minutes schedule team lunch report draft feedback release notes roadmap sprint holiday conference'.split(
    ' ',
  );
const pick = (a: readonly string[]) => a[randomInt(a.length)];

// A distinct, plausible message: SpamAssassin identifies messages by Date + body, so both vary per message.
export function message(kind: 'spam' | 'ham', i: number, tag = 'x'): string {
  const words = kind === 'spam' ? SPAMMY : HAMMY;
  const body = Array.from({ length: 40 + randomInt(60) }, () => `${pick(words)} ${pick(words)}${randomInt(1000)}`).join(' ');
  const when = new Date(Date.UTC(2026, 10, 1) + i * 61_000 + randomInt(60_000)).toUTCString().replace('GMT', '+0000');
  return [
    `From: ${kind}${i}@${kind === 'spam' ? 'offers.example' : 'corp.example'}`,
    'To: user@mail.example',
    `Subject: ${pick(words)} ${pick(words)} ${tag}${i}`,
    `Message-ID: <${kind}.${tag}.${i}.${randomInt(1e9)}@test.example>`,
    `Date: ${when}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    body.replace(/(.{1,72})(\s|$)/g, '$1\n'),
  ].join('\n');
}
