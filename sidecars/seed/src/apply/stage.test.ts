import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MasterEntry } from '../plan.ts';
import { POSTFIX_INSTALL } from '../postfix/core.ts';
import { maillogPrefixProblem } from './maillog-check.ts';
import { fatalLines, postlogProblem, stagePostfix } from './stage.ts';

// The distribution's pristine files, as the image ships them; the seed always sets the install parameters.
const base = {
  main: readFileSync('/etc/postfix/main.cf.proto', 'utf8'),
  master: readFileSync('/etc/postfix/master.cf.proto', 'utf8'),
};

test('a valid config is staged for postmap with the live paths, and the scratch dir goes on dispose', async () => {
  const r = await stagePostfix(base, { ...POSTFIX_INSTALL, myhostname: 'mx.example.com' }, []);
  assert.ok(r.ok, JSON.stringify(r));
  const staged = readFileSync(join(r.configDir, 'main.cf'), 'utf8');
  assert.equal(staged, r.main);
  assert.match(staged, /^myhostname = mx\.example\.com$/m);
  assert.doesNotMatch(staged, /daemon_directory = \/tmp/);
  await r.dispose();
  assert.throws(() => readFileSync(join(r.configDir, 'main.cf')));
});

test('a value postfix refuses comes back with postfix own reason', async () => {
  for (const [name, value, reason] of [
    ['default_process_limit', 'lots', /bad numerical configuration: default_process_limit = lots/],
    ['myhostname', 'bad..name', /myhostname/],
    ['inet_protocols', 'ipv7', /unknown inet_protocols value/],
  ] as const) {
    const r = await stagePostfix(base, { ...POSTFIX_INSTALL, [name]: value }, []);
    assert.equal(r.ok, false, name);
    if (!r.ok) assert.match(r.reason, reason);
  }
});

test('maillog_file without a postlog service is refused before postfix runs', () => {
  const master = 'postlog   unix-dgram n  -       n       -       1       postlogd\n';
  assert.equal(postlogProblem('maillog_file = /var/log/x\n', master), undefined);
  assert.match(postlogProblem('maillog_file = /var/log/x\n', 'smtp inet n - n - - smtpd\n') ?? '', /no postlog service/);
  assert.equal(postlogProblem('maillog_file =\n', ''), undefined);
});

test('work alongside the validation sees the staged config dir; a refused config discards what it made', async () => {
  let discarded = 0;
  const alongside = async (configDir: string) => ({
    sawMain: existsSync(join(configDir, 'main.cf')),
    discard: async () => void discarded++,
  });
  const ok = await stagePostfix(base, { ...POSTFIX_INSTALL }, [], alongside);
  assert.ok(ok.ok && ok.prepared?.sawMain, JSON.stringify(ok));
  assert.equal(discarded, 0);
  if (ok.ok) await ok.dispose();
  const refused = await stagePostfix(base, { ...POSTFIX_INSTALL, default_process_limit: 'lots' }, [], alongside);
  assert.equal(refused.ok, false);
  assert.equal(discarded, 1);
});

const POSTLOG: MasterEntry[] = [
  { service: 'postlog', type: 'unix-dgram', entry: 'postlog   unix-dgram n  -       n       -       1       postlogd' },
];

// The seed runs under execa, whose stdout is a socket: /dev/stdout cannot be opened there (ENXIO), and postfix 3.10's
// postfix command opens maillog_file itself. The real value stays in main.cf; the check copy logs to its scratch dir.
test('maillog_file=/dev/stdout is staged as is, and checked although the seed cannot open its own stdout', async () => {
  const logging = { ...POSTFIX_INSTALL, maillog_file: '/dev/stdout' };
  const r = await stagePostfix(base, logging, POSTLOG);
  assert.ok(r.ok, JSON.stringify(r));
  assert.match(r.main, /^maillog_file = \/dev\/stdout$/m);
  await r.dispose();
  const refused = await stagePostfix(base, { ...logging, default_process_limit: 'lots' }, POSTLOG);
  assert.equal(refused.ok, false);
  if (!refused.ok) assert.match(refused.reason, /bad numerical configuration: default_process_limit = lots/);
});

test('a maillog_file outside maillog_file_prefixes is refused with postfix own words', async () => {
  const r = await stagePostfix(
    base,
    { ...POSTFIX_INSTALL, maillog_file: '/srv/log/postfix.log', maillog_file_prefixes: '/var, /dev/stdout' },
    POSTLOG,
  );
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, /maillog_file value '\/srv\/log\/postfix\.log' does not match any prefix in maillog_file_prefixes/);
  const expanded = await stagePostfix(
    base,
    { ...POSTFIX_INSTALL, maillog_file: '$queue_directory/log', maillog_file_prefixes: '/var' },
    POSTLOG,
  );
  assert.ok(expanded.ok, `the rule sees the expanded value: ${JSON.stringify(expanded)}`);
  if (expanded.ok) await expanded.dispose();
});

test('maillog prefix rule as postfix applies it; fatal lines picked from what postfix printed', () => {
  assert.equal(maillogPrefixProblem('/dev/stdout', '/var, /dev/stdout'), undefined);
  assert.equal(maillogPrefixProblem('/var/log/mail.log', '/var,/dev/stdout'), undefined);
  assert.equal(maillogPrefixProblem('', '/var'), undefined, 'no maillog_file: syslog, no rule');
  assert.match(maillogPrefixProblem('/tmp/x', '/var /dev/stdout') ?? '', /'\/tmp\/x' does not match any prefix/);
  assert.equal(
    fatalLines('postfix: warning: x\npostfix: fatal: bad numerical configuration: a = b\n'),
    'postfix: fatal: bad numerical configuration: a = b',
  );
  assert.equal(fatalLines('postfix/postlog: the Postfix mail system is not running'), undefined);
});
