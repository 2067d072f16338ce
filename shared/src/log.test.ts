import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, pinoLevel } from './log.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, destination };
}

test('SYSLOG_LEVEL maps onto pino levels', () => {
  assert.deepEqual([0, 3, 4, 5, 6, 7].map(pinoLevel), ['fatal', 'error', 'warn', 'info', 'info', 'debug']);
});

test('every line is JSON with sidecar and node, and respects the level', () => {
  const { lines, destination } = capture();
  const log = createLogger({ sidecar: 'seed', node: 'mx1', syslogLevel: 4, destination });
  log.info('hidden');
  log.warn({ event: 'x' }, 'shown');
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0] as string);
  assert.equal(rec.sidecar, 'seed');
  assert.equal(rec.node, 'mx1');
  assert.equal(rec.level, 'warn');
  assert.equal(rec.event, 'x');
});

test('LDAP_BIND_PW=hunter2 never appears: not in fields, messages, errors or nested objects', () => {
  const { lines, destination } = capture();
  const log = createLogger({ sidecar: 't', node: 'n', secrets: ['hunter2'], destination });
  log.info({ env: { LDAP_BIND_PW: 'hunter2', OTHER: 'x' } }, 'env');
  log.info('connecting with hunter2');
  log.error({ err: new Error('bind failed for password hunter2') }, 'ldap');
  log.info({ cmd: ['ldapsearch', '-w', 'hunter2'] }, 'exec');
  log.info({ password: 'other-secret' }, 'by key name');
  const all = lines.join('\n');
  assert.equal(lines.length, 5);
  assert.ok(!all.includes('hunter2'), all);
  assert.ok(!all.includes('other-secret'), all);
  assert.ok(all.includes('[redacted]'));
});

test('private key material is scrubbed even when not registered', () => {
  const { lines, destination } = capture();
  const log = createLogger({ sidecar: 't', node: 'n', destination });
  log.info({ detail: 'x -----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY----- y' }, 'k');
  assert.ok(!lines[0]?.includes('MIIabc'));
  assert.ok(lines[0]?.includes('[redacted key]'));
});
