import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '@mta/cli/program';
import { inspectKey } from '@mta/dkim-keys';
import { mtaPaths } from '@mta/shared';
import { tempRoot } from '../harness/index.ts';
import { startTxtServer, type TxtServer } from './dns.ts';
import { runOnce } from './helpers.ts';

let root: { dir: string; cleanup: () => Promise<void> };
let dns: TxtServer;
const env = () => ({ MTA_ROOT: root.dir, HOSTNAME: 'mx.a.test', MAIL_DOMAIN: 'a.test' });

async function cli(args: string[]) {
  const out: string[] = [];
  const code = await runCli(args, { env: env(), out: (l) => out.push(l), err: (l) => out.push(l) });
  return { code, out: out.join('\n') };
}

before(async () => {
  root = await tempRoot('mta-dkim-cli-');
  dns = await startTxtServer();
  const r = await runOnce(root.dir, { MAIL_DOMAIN: 'a.test' });
  assert.equal(r.code, 0, r.output);
});
after(async () => {
  await dns.close();
  await root.cleanup();
});

test('mta dkim show tells whether DNS publishes the key the sidecar made', async () => {
  const server = `127.0.0.1:${dns.port}`;
  assert.match((await cli(['dkim', 'show', '--dns', server])).out, /dns {10}not published/);

  const txt = await readFile(join(mtaPaths(root.dir).dkim, 'a.test.default._domainkey.txt'), 'utf8');
  dns.set(
    'default._domainkey.a.test',
    [...txt.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? ''),
  );
  const shown = await cli(['dkim', 'show', '--dns', server]);
  assert.equal(shown.code, 0, shown.out);
  assert.match(shown.out, /dns {10}published, matches this key/);

  const other = inspectKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs1' }));
  assert.ok(other.ok);
  dns.set('default._domainkey.a.test', [other.info.dnsValue]);
  assert.match(
    (await cli(['dkim', 'show', '--dns', server])).out,
    new RegExp(`published key differs \\(${other.info.fingerprint.replace(/[+/]/g, '\\$&')}\\)`),
  );
});

test('mta dns prints the same DKIM value as the TXT file', async () => {
  const txt = await readFile(join(mtaPaths(root.dir).dkim, 'a.test.default._domainkey.txt'), 'utf8');
  const r = await cli(['dns']);
  assert.equal(r.code, 0);
  assert.ok(r.out.includes(txt.trimEnd()), r.out);
});
