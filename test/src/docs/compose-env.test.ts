import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeServices } from './compose-env.ts';
import { interpolate } from './interpolate.ts';
import { fencedBlocks } from './md-blocks.ts';

const YAML = `services:
  mta:
    image: mta:base
    hostname: mx.\${DOMAIN-example.com}
    ports:
      - "25:25"
    environment:   # list form
      - MAIL_BOXES=info@example.com   # a comment
      - "SMTPD_SASL_CLIENTAUTH=u:{CRYPT}$$2y$$05$$abc"
      - FROM_HOST
  db:
    image: mariadb
    environment:
      MYSQL_DATABASE: postfix
      QUOTED: 'it''s'
      REGEX_ALIAS: |
        /a/ b
        /c/ d
`;

test('services, image, hostname and both environment forms are read', () => {
  const [mta, db] = composeServices(YAML);
  assert.deepEqual(mta, {
    name: 'mta',
    image: 'mta:base',
    hostname: 'mx.example.com',
    environment: { MAIL_BOXES: 'info@example.com', SMTPD_SASL_CLIENTAUTH: 'u:{CRYPT}$2y$05$abc', FROM_HOST: undefined },
  });
  assert.deepEqual(db?.environment, { MYSQL_DATABASE: 'postfix', QUOTED: "it's", REGEX_ALIAS: '/a/ b\n/c/ d' });
});

test('constructs the extractor does not understand fail loudly instead of being skipped', () => {
  assert.throws(() => composeServices('services:\n  mta:\n    environment:\n      A: [x]:587\n'), /unsupported yaml/);
  assert.throws(() => composeServices('services:\n  mta:\n    environment:\n      - A=b: c\n'), /quote this value/);
  assert.throws(() => composeServices('services:\n  mta:\n    environment:\n      - A=b\n     - C=d\n'), /indentation/);
});

test('interpolation uses defaults and refuses host-dependent values', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation syntax, not a JS template
  assert.equal(interpolate('${A-x} ${B:-y} $$1 $2'), 'x y $1 $2');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation syntax, not a JS template
  assert.throws(() => interpolate('${A}'), /no default/);
  assert.throws(() => interpolate('$HOME'), /no default/);
});

test('fenced blocks carry language and start line', () => {
  const blocks = fencedBlocks('text\n```yaml\na: 1\n```\n\n~~~sh\nls\n~~~\n');
  assert.deepEqual(blocks, [
    { lang: 'yaml', line: 3, text: 'a: 1' },
    { lang: 'sh', line: 7, text: 'ls' },
  ]);
});
