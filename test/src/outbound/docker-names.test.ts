import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { unboundConf } from '@mta/seed/postfix/resolver';
import { configuredHostNames } from '@mta/seed/postfix/resolver-names';
import { createNetns, fileScope, startNsDns, whenReady } from '../harness/index.ts';

const scope = fileScope();
const PORT = 5353;

// What docker's resolver does for a container name: it answers `ldap.` itself, unsigned, while the public root proves
// no such name exists. A validating unbound with the real root anchor, forwarding to it, refuses that answer (bogus:
// SERVFAIL) unless the name is one the operator configured, which the seed exempts (domain-insecure).
test('a docker-only host name from the environment still resolves through the validating resolver; an unlisted one does not', async () => {
  const dir = await scope.dir('mta-docker-names-');
  const ns = createNetns(`mta-dnames-${process.pid}`);
  scope.defer(() => ns.remove());
  scope.keep(await startNsDns(ns, { a: { ldap: ['10.1.2.3'], other: ['10.1.2.4'] } }));
  const insecure = configuredHostNames({ LDAP_HOST: 'ldap://ldap:389' }).map((n) => `  domain-insecure: "${n}"`);
  const conf = join(dir, 'unbound.conf');
  writeFileSync(
    conf,
    unboundConf({
      directory: dir,
      port: PORT,
      server: ['  trust-anchor-file: "/usr/share/dns/root.key"', ...insecure],
      extra: 'forward-zone:\n  name: "."\n  forward-addr: 127.0.0.1@53',
    }),
  );
  scope.keep(await whenReady(ns.start('unbound', ['-d', '-p', '-c', conf]), 'unbound', () => ns.waitForPort(PORT)));
  const ask = (name: string) => {
    const r = ns.run('drill', ['-p', String(PORT), name, 'A', '@127.0.0.1']);
    return `${r.stdout}${r.stderr}`;
  };
  assert.match(ask('ldap'), /^ldap\.\s+\d+\s+IN\s+A\s+10\.1\.2\.3$/m);
  assert.match(ask('other'), /rcode: SERVFAIL/);
});
