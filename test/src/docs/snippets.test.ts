import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fencedBlocks } from './md-blocks.ts';
import { checkSnippet, PASSTHROUGH } from './snippet-check.ts';

const DOCS = join(import.meta.dirname, '..', '..', '..', 'docs');

const yamlBlocks = () =>
  (readdirSync(DOCS, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.md'))
    .sort()
    .flatMap((f) =>
      fencedBlocks(readFileSync(join(DOCS, f), 'utf8'))
        .filter((b) => b.lang === 'yaml' || b.lang === 'yml')
        .map((b) => ({ where: `docs/${f}:${b.line}`, text: b.text })),
    );

test('every compose snippet under docs/ passes mta config check', () => {
  const blocks = yamlBlocks();
  assert.ok(blocks.length >= 13, `expected a snippet per topic page, found ${blocks.length}`);
  const problems = blocks.flatMap((b) => checkSnippet(b.text).map((p) => `${b.where}: ${p}`));
  assert.deepEqual(problems, []);
});

test('the compose demo (compose/compose.yml, defaults applied) passes mta config check', () => {
  const demo = readFileSync(join(DOCS, '..', 'compose', 'compose.yml'), 'utf8');
  assert.deepEqual(checkSnippet(demo), []);
  // The check really reads the demo: a broken value in it is reported.
  assert.match(checkSnippet(demo.replace(/SYSLOG_LEVEL=\S+/, 'SYSLOG_LEVEL=loud')).join(), /SYSLOG_LEVEL/);
});

const snippet = (image: string, env: string[]) =>
  [
    'services:',
    '  mta:',
    `    image: ${image}`,
    '    hostname: mx.example.com',
    '    environment:',
    ...env.map((e) => `      - ${e}`),
  ].join('\n');

test('a snippet with a bad value fails with the same message as mta config check', () => {
  assert.deepEqual(checkSnippet(snippet('mta', ['MESSAGE_SIZE_LIMIT=ten'])), [
    'service mta: MESSAGE_SIZE_LIMIT: "ten" is not a non-negative integer (bytes)',
  ]);
  assert.deepEqual(checkSnippet(snippet('mta', ['MESSAGE_SIZE_LIMIT=25600000'])), []);
});

test('typos, wrong variants, missing domains and snippets without our image fail', () => {
  assert.match(checkSnippet(snippet('mta', ['MAIL_BOXSE=a@example.com'])).join(), /MAIL_BOXSE: not a known variable/);
  assert.match(checkSnippet(snippet('mta:mini', ['FINAL_SPAM_DESTINY=D_REJECT'])).join(), /not read by the mini variant/);
  const noHost = 'services:\n  mta:\n    image: mta\n    environment:\n      - MAIL_BOXES=a@example.com\n';
  assert.match(checkSnippet(noHost).join(), /MAIL_DOMAIN: not set/);
  assert.deepEqual(checkSnippet('services:\n  db:\n    image: mariadb\n'), ['no service with image mta[:variant]']);
});

test('secret files are resolved: a __FILE variable is validated with real content', () => {
  assert.deepEqual(checkSnippet(snippet('mta', ['SMTP_RELAY_HOSTAUTH__FILE=/run/secrets/relay'])), []);
  assert.deepEqual(checkSnippet(snippet('mta', ['DKIM_PRIVATEKEY__FILE=/run/secrets/dkim'])), []);
  assert.match(
    checkSnippet(snippet('mta', ['SMTP_RELAY_HOSTAUTH=relay:587 u:p', 'SMTP_RELAY_HOSTAUTH__FILE=/run/secrets/relay'])).join(),
    /both SMTP_RELAY_HOSTAUTH and SMTP_RELAY_HOSTAUTH__FILE/,
  );
});

const postconf = spawnSync('postconf', ['-d'], { encoding: 'utf8' });
test('the pass-through names the docs use are real postfix parameters', { skip: postconf.status !== 0 && 'postconf not installed' }, () => {
  const known = new Set(postconf.stdout.split('\n').map((l) => l.split(' = ')[0]));
  for (const name of PASSTHROUGH) assert.ok(known.has(name.toLowerCase()), `${name.toLowerCase()} is not a postfix parameter`);
});
