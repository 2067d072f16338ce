import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plannedFile, testContext } from '../testing.ts';
import { renderDmarc } from './render.ts';

const ENV = { HOSTNAME: 'mx1.example.com', MAIL_DOMAIN: 'example.com example.net' };
const full = (env: Record<string, string> = {}) => renderDmarc(testContext({ ...ENV, ...env }, { variant: 'full' }));
const setting = (conf: string, name: string): string | undefined => new RegExp(`^${name} (.*)$`, 'm').exec(conf)?.[1];

test('enforce by default: the ARC steps around both milters on the public smtpd, OpenDMARC refuses failures, one authserv-id: the primary domain', () => {
  const part = full();
  const { paths } = testContext(ENV);
  assert.deepEqual(part.postconfLists?.smtpd_milters, [
    'unix:/r/run/mta/arc-milter/verify.sock',
    'unix:/r/run/mta/opendkim/opendkim.sock',
    'unix:/r/run/mta/opendmarc/opendmarc.sock',
    'unix:/r/run/mta/arc-milter/enforce.sock',
  ]);
  const dkim = plannedFile(part, paths.opendkimConf)?.content as string;
  const dmarc = plannedFile(part, paths.opendmarcConf)?.content as string;
  assert.equal(setting(dmarc, 'RejectFailures'), 'true');
  // Not the node's name: every node of a fleet writes and removes the same id.
  for (const conf of [dkim, dmarc]) assert.equal(setting(conf, 'AuthservID'), 'example.com');
  // The arc-milter removes forged headers before opendkim runs; opendkim must keep the arc= one it added.
  assert.equal(setting(dkim, 'RemoveARFrom'), undefined);
  assert.equal(setting(dkim, 'RemoveARAll'), undefined);
  // No trusted sealer: OpenDMARC overrides nothing on ARC.
  assert.equal(setting(dmarc, 'DomainWhitelist'), undefined);
  assert.deepEqual(JSON.parse(plannedFile(part, paths.arcMilterConf)?.content as string), {
    authservId: 'example.com',
    trustedSealers: [],
    enforce: true,
    verifySocket: '/r/run/mta/arc-milter/verify.sock',
    enforceSocket: '/r/run/mta/arc-milter/enforce.sock',
    user: 'mta-arc',
  });
  assert.equal(setting(dkim, 'Mode'), 'v');
  assert.equal(setting(dmarc, 'TrustedAuthservIDs'), 'example.com');
  assert.equal(setting(dmarc, 'SPFIgnoreResults'), 'true');
  assert.equal(setting(dmarc, 'PublicSuffixList'), '/usr/share/publicsuffix/public_suffix_list.dat');
});

test('tag refuses nothing; AUTHSERV_ID and DMARC_IGNORE_DOMAINS are passed on; MYNETWORKS without brackets', () => {
  const part = full({
    DMARC_POLICY: 'tag',
    AUTHSERV_ID: 'Auth.Example.org',
    DMARC_IGNORE_DOMAINS: 'lists.example.org,b.example',
    MYNETWORKS: '10.0.0.0/8 [::1]/128',
  });
  const { paths } = testContext(ENV);
  const dmarc = plannedFile(part, paths.opendmarcConf)?.content as string;
  assert.equal(setting(dmarc, 'RejectFailures'), 'false');
  assert.equal(setting(dmarc, 'AuthservID'), 'auth.example.org');
  assert.equal(setting(dmarc, 'IgnoreMailFrom'), 'lists.example.org,b.example');
  assert.match(plannedFile(part, paths.dmarcIgnoreHosts)?.content as string, /^10\.0\.0\.0\/8\n::1\/128\n$/m);
  assert.equal(JSON.parse(plannedFile(part, paths.arcMilterConf)?.content as string).enforce, false);
});

test("ARC_TRUSTED_SEALERS: OpenDMARC's DomainWhitelist and the arc-milter's list", () => {
  const part = full({ ARC_TRUSTED_SEALERS: 'lists.example.org groups.example.net' });
  const { paths } = testContext(ENV);
  assert.equal(
    setting(plannedFile(part, paths.opendmarcConf)?.content as string, 'DomainWhitelist'),
    'lists.example.org,groups.example.net',
  );
  assert.deepEqual(JSON.parse(plannedFile(part, paths.arcMilterConf)?.content as string).trustedSealers, [
    'lists.example.org',
    'groups.example.net',
  ]);
  // Off: the service's file goes with the rest.
  assert.ok(full({ DMARC_POLICY: 'off' }).remove?.includes(paths.arcMilterConf));
});

test('the SpamAssassin rule scores past the kill level and reads only our own header', () => {
  const part = full({ SA_KILL_LEVEL_DEFLT: '9.5' });
  const rules = part.files?.find((f) => f.path.endsWith('/etc/spamassassin/mta-dmarc.cf'))?.content as string;
  assert.match(
    rules,
    /^header {3}__MTA_DMARC_POLICY_FAIL Authentication-Results =~ \/\^example\\\.com; dmarc=fail \\\(p=\(\?:quarantine\|reject\) \/m$/m,
  );
  // Not when a trusted ARC sealer overrode the failure (the arc-milter's mark).
  assert.match(rules, /^meta {5}MTA_DMARC_POLICY_FAIL __MTA_DMARC_POLICY_FAIL && !__MTA_DMARC_POLICY_FAIL_ARC$/m);
  assert.match(rules, /^header {3}__MTA_DMARC_POLICY_FAIL_ARC X-MTA-DMARC-Override =~ \/\^arc \/$/m);
  assert.match(rules, /^score {4}MTA_DMARC_POLICY_FAIL 20$/m);
});

test('off, or a variant without the content filter: no milter, and the files of an earlier seeding go', () => {
  for (const part of [full({ DMARC_POLICY: 'off' }), renderDmarc(testContext(ENV, { variant: 'base' }))]) {
    assert.equal(part.postconfLists, undefined);
    assert.equal(part.files, undefined);
    assert.ok(part.remove?.some((f) => f.endsWith('mta-opendmarc.conf')));
  }
});

test('a D_REJECT destiny (amavis before the queue, no milter content there): no milter, and the variable warns', () => {
  const part = full({ FINAL_BANNED_DESTINY: 'D_REJECT' });
  assert.equal(part.postconfLists, undefined);
  assert.ok(part.remove?.some((f) => f.endsWith('mta-opendkim.conf')));
});

test('DMARC_REPORTS=yes: OpenDMARC records every verdict in the history file the sidecar collects; off by default', () => {
  const { paths } = testContext(ENV);
  const conf = (env: Record<string, string>) => plannedFile(full(env), paths.opendmarcConf)?.content as string;
  assert.equal(setting(conf({}), 'HistoryFile'), undefined);
  assert.equal(setting(conf({ DMARC_REPORTS: 'yes' }), 'HistoryFile'), '/r/srv/var/dmarc/history/history');
  assert.equal(setting(conf({ DMARC_REPORTS: 'yes' }), 'RecordAllMessages'), 'true');
  // The start plan runs the report sidecar by the seed's mark, which goes when reports are off.
  assert.ok(plannedFile(full({ DMARC_REPORTS: 'yes' }), paths.dmarcReportsConf));
  assert.ok(full({}).remove?.includes(paths.dmarcReportsConf));
  assert.ok(full({ DMARC_POLICY: 'off', DMARC_REPORTS: 'yes' }).remove?.includes(paths.dmarcReportsConf));
});
