import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BAN_REPLY, parseShard, postfixLookup, shardOf } from '@mta/guard';
import { mtaPaths } from '@mta/shared';
import { runCaptured } from '../testing.ts';

test('mta guard ban|ls|unban: files and tables, protected addresses refused, bad input named', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mta-cli-guard-'));
  try {
    const paths = mtaPaths(root);
    mkdirSync(paths.postfixConf, { recursive: true });
    writeFileSync(join(paths.postfixConf, 'main.cf'), 'mynetworks = 127.0.0.0/8 [::1]/128 10.0.0.0/8\n');
    mkdirSync(join(root, 'usr/share/mta'), { recursive: true });
    writeFileSync(join(root, 'usr/share/mta/variant'), 'base\n');
    const env = { MTA_ROOT: root, HOSTNAME: 'mx.example.com', TRUSTED_PROXIES: '172.30.0.10', GUARD_IGNORE: '198.51.100.0/24' };
    assert.equal((await runCaptured(['guard', 'ls'], env)).out, 'no bans in force');
    const ban = await runCaptured(['guard', 'ban', '192.0.2.9', '--for', '2h', '--reason', 'scanner'], env);
    assert.equal(ban.code, 0, ban.err);
    assert.match(ban.out, /^banned 192\.0\.2\.9 until /);
    assert.equal(await postfixLookup(paths, '192.0.2.9'), BAN_REPLY);
    const shard = () => parseShard(readFileSync(join(paths.guardDovecotDir, shardOf('192.0.2.9')), 'utf8')).map((e) => e.ip);
    assert.deepEqual(shard(), ['192.0.2.9']);
    const ls = await runCaptured(['guard', 'ls'], env);
    assert.match(ls.out, /^192\.0\.2\.9 +\S+ +operator@mx\.example\.com +scanner$/m);
    const json = JSON.parse((await runCaptured(['guard', 'ls', '--json'], env)).out);
    assert.equal(Date.parse(json.until) - Date.parse(json.since), 7_200_000);
    for (const ip of ['127.0.0.1', '10.2.3.4', '172.30.0.10', '198.51.100.7', '::1']) {
      const r = await runCaptured(['guard', 'ban', ip], env);
      assert.equal(r.code, 1, ip);
      assert.match(r.err, /is loopback, in MYNETWORKS, a trusted proxy or in GUARD_IGNORE; not banned/);
    }
    assert.match((await runCaptured(['guard', 'ban', 'mx.example.org'], env)).err, /"mx\.example\.org" is not an IP address/);
    assert.match((await runCaptured(['guard', 'ban', '192.0.2.8', '--for', 'soon'], env)).err, /--for "soon" is not a duration/);
    assert.equal((await runCaptured(['guard', 'unban', '192.0.2.9'], env)).out, 'unbanned 192.0.2.9');
    assert.equal(await postfixLookup(paths, '192.0.2.9'), undefined);
    assert.deepEqual(shard(), []);
    assert.equal((await runCaptured(['guard', 'unban', '192.0.2.9'], env)).code, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
