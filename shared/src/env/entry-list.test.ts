import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EntryList, eachWord } from './entry-list.ts';
import { parseEnv } from './parse.ts';

const listWords = (text: string): string[] => {
  const out: string[] = [];
  eachWord(text, (w) => out.push(w));
  return out;
};

test('an entry list yields its words through the entry parser on every pass, and is JSON as an array', () => {
  let parsed = 0;
  const list = new EntryList(' a:1\n b:2\t\tc:3 ', 3, (w) => {
    parsed++;
    return w.split(':');
  });
  assert.equal(list.length, 3);
  assert.deepEqual(
    [...list],
    [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ],
  );
  assert.deepEqual([...list].length, 3);
  assert.equal(parsed, 6, 'nothing kept between passes');
  assert.equal(JSON.stringify({ list }), '{"list":[["a","1"],["b","2"],["c","3"]]}');
  assert.deepEqual(listWords(''), []);
  // The same words as splitting on /\s+/, Unicode spaces included.
  const spaced = ` a\u00a0b\u2003c\u3000d\ufeffe\u2028f\u200bg\v\fh  `;
  assert.deepEqual(listWords(spaced), spaced.split(/\s+/).filter(Boolean));
  // Words across span ends (64 KB) are whole.
  const many = Array.from({ length: 30_000 }, (_, i) => `w${i}`);
  assert.deepEqual(listWords(many.join(' \n')), many);
  assert.deepEqual([...new EntryList(many.join(' \n'), many.length, (w) => w)], many);
  assert.deepEqual(listWords(`${'x'.repeat(200_000)} y`), ['x'.repeat(200_000), 'y']);
  for (let c = 0; c < 0x10000; c++) {
    const ch = String.fromCharCode(c);
    assert.equal(listWords(`a${ch}b`).length, /\s/.test(ch) ? 2 : 1, `U+${c.toString(16)}`);
  }
});

test('MAIL_BOXES and MAIL_ALIASES: every bad entry reported at once, with the variable; empty is unset', () => {
  const r = parseEnv({
    HOSTNAME: 'mx.example.com',
    MAIL_BOXES: 'ok@example.com bad@ x@example.com:../up',
    MAIL_ALIASES: 'root:info nocolon a:b,@',
  });
  assert.ok(!r.ok);
  const message = (name: string) => r.errors.find((e) => e.variable === name)?.message;
  assert.equal(
    message('MAIL_BOXES'),
    '"bad@" is not an email address; "x@example.com:../up" has an invalid mailbox path (expected addr:relative/path, trailing / for maildir)',
  );
  assert.equal(message('MAIL_ALIASES'), '"nocolon" is not alias:target[,target…]; "a:b,@" has a target that is not an address');
  const empty = parseEnv({ HOSTNAME: 'mx', MAIL_BOXES: ' ', MAIL_ALIASES: '' });
  assert.ok(empty.ok, JSON.stringify(!empty.ok && empty.errors));
  assert.equal(empty.config.MAIL_BOXES.length, 0);
});
