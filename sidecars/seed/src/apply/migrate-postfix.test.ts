import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mainValue } from '../main-cf.ts';
import { releaseRowChanges } from './migrate-postfix.ts';

// The release rows as the seed renders them for postfix 3.7 (with DH parameters made by `mta dhparam`) and 3.10.
const DH = '/srv/etc/ssl/dhparam.pem';
const PINNED = { smtpd_forbid_bare_newline: 'normalize', smtpd_forbid_unauth_pipelining: 'yes' };
const ON_37 = { ...PINNED, smtpd_tls_dh1024_param_file: DH };
const ON_310 = { ...PINNED, smtpd_client_ipv6_prefix_length: '128', tls_required_enable: 'no' };
const main = (rows: Record<string, string>) =>
  `compatibility_level = 3.7\n${Object.entries(rows)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n')}\nmyhostname = mx.example.com\n`;

test('3.7 -> 3.10: the rows 3.10 needs are set, the deprecated DH file goes, the pinned rows stay', () => {
  assert.deepEqual(releaseRowChanges(main(ON_37), ON_37, ON_310), {
    set: { smtpd_client_ipv6_prefix_length: '128', tls_required_enable: 'no' },
    remove: ['smtpd_tls_dh1024_param_file'],
    kept: [],
  });
});

test('3.10 -> 3.7 (a rollback): the parameters 3.7 does not know are removed, the DH file comes back', () => {
  assert.deepEqual(releaseRowChanges(main(ON_310), ON_310, ON_37), {
    set: { smtpd_tls_dh1024_param_file: DH },
    remove: ['smtpd_client_ipv6_prefix_length', 'tls_required_enable'],
    kept: [],
  });
});

test('a row the operator set (a pass-through variable, postconf -e) is theirs and stays; one already right is left alone', () => {
  const text = main({ ...PINNED, smtpd_forbid_unauth_pipelining: 'no', smtpd_client_ipv6_prefix_length: '84' });
  const c = releaseRowChanges(text, PINNED, ON_310);
  assert.deepEqual(c, {
    set: { tls_required_enable: 'no' },
    remove: [],
    kept: ['smtpd_client_ipv6_prefix_length', 'smtpd_forbid_unauth_pipelining'],
  });
  assert.equal(mainValue(text, 'smtpd_forbid_unauth_pipelining'), 'no');
  assert.deepEqual(releaseRowChanges(main(ON_310), ON_37, ON_310), { set: {}, remove: [], kept: [] }, 'migrated already');
});
