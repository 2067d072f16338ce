import assert from 'node:assert/strict';
import { test } from 'node:test';
import { text, VARS, type VarSpec } from '@mta/shared';
import { docsDrift, GENERATED_MARK, renderConfigurationMd } from './markdown.ts';

test('every schema variable has an entry and an index row', () => {
  const md = renderConfigurationMd();
  assert.ok(md.startsWith(GENERATED_MARK));
  for (const name of Object.keys(VARS)) {
    assert.ok(md.includes(`\n### ${name}\n`), `${name} has no entry`);
    assert.ok(md.includes(`| [${name}](#${name.toLowerCase()}) |`), `${name} has no index row`);
  }
  assert.ok(md.includes('### Secrets from files (X__FILE)'));
});

test('a variable added to the schema appears under its topic without touching the generator', () => {
  const extra: VarSpec = { schema: text, topic: 'fleet', variants: ['full'], description: 'A new knob.', format: 'n', default: '7' };
  const md = renderConfigurationMd({ ...VARS, NEW_KNOB: extra });
  const fleet = md.slice(md.indexOf('\n## Fleet mode'));
  assert.match(fleet, /### NEW_KNOB\n\nA new knob\.\n\n- \*\*format\*\*: `n`\n- \*\*default\*\*: `7`/);
});

test('changing a default makes the committed text stale', () => {
  const before = renderConfigurationMd();
  const after = renderConfigurationMd({ ...VARS, MESSAGE_SIZE_LIMIT: { ...VARS.MESSAGE_SIZE_LIMIT, default: '20480000' } });
  assert.equal(docsDrift(before, before), undefined);
  assert.match(docsDrift(before, after) ?? '', /first difference at line \d+: expected .*20480000/);
  assert.equal(docsDrift('', after), 'missing or empty');
});
