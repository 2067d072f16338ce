import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempRoot } from '../harness/index.ts';

const SCRIPT = new URL('../../../image/lib/unbound-forward', import.meta.url).pathname;

// opendkim's resolver configuration as its run script writes it: the name servers of resolv.conf (docker's own on
// 127.0.0.11 included, which libunbound refuses unless told), plain addresses only.
test('unbound-forward: resolv.conf name servers become forwarders; without any, unbound resolves by itself', async () => {
  const { dir, cleanup } = await tempRoot('mta-unbound-');
  try {
    const run = (conf: string) => {
      const file = join(dir, 'resolv.conf');
      writeFileSync(file, conf);
      const r = spawnSync('sh', [SCRIPT, file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    assert.equal(
      run('# docker\nnameserver 127.0.0.11\nnameserver 2001:db8::53\nnameserver fe80::1%eth0\nnameserver ;rm -rf /\noptions ndots:0\n'),
      'server:\n  do-not-query-localhost: no\nforward-zone:\n  name: "."\n  forward-addr: 127.0.0.11\n  forward-addr: 2001:db8::53\n',
    );
    assert.equal(run('search example.com\n'), 'server:\n  do-not-query-localhost: no\n');
    assert.equal(spawnSync('sh', [SCRIPT, join(dir, 'missing')], { encoding: 'utf8' }).stdout, 'server:\n  do-not-query-localhost: no\n');
  } finally {
    await cleanup();
  }
});
