import { toDovecot24Vars } from './vars-24.ts';

// Dovecot 2.3 settings that 2.4 renamed, for DOVECOT_* variables written for a 2.3 image: the 2.4 settings the value
// becomes when the meaning is the same, else why it cannot be carried over.
export type Carried = { ok: true; settings: Record<string, string> } | { ok: false; reason: string };

type Rename = { to: string; carry: (value: string) => Carried };

const YES = /^(yes|y|1|true)$/i;
const NO = /^(no|n|0|false)$/i;

const same =
  (to: string) =>
  (v: string): Carried => ({ ok: true, settings: { [to]: v } });

// `ssl_cert = <path` named a file to read; 2.4's *_file settings take the path itself. A PEM given inline has no
// 2.4 counterpart.
const file =
  (to: string) =>
  (v: string): Carried =>
    v.startsWith('<')
      ? { ok: true, settings: { [to]: v.slice(1).trim() } }
      : { ok: false, reason: `${to} takes a file path: give the PEM as a file` };

const yesNo =
  (to: string, yes: string, no: string) =>
  (v: string): Carried =>
    YES.test(v)
      ? { ok: true, settings: { [to]: yes } }
      : NO.test(v)
        ? { ok: true, settings: { [to]: no } }
        : { ok: false, reason: `${v} is not yes or no` };

// mail_location = <driver>:<path> without further :KEY=value parts splits into mail_driver and mail_path.
function mailLocation(v: string): Carried {
  const m = /^([a-z]+):([^:]*)$/.exec(v.trim());
  if (!m?.[1])
    return { ok: false, reason: 'only <driver>:<path> (no :KEY=value parts) carries over; set mail_driver, mail_path and the rest' };
  const path = toDovecot24Vars(m[2] ?? '');
  if (!path.ok) return { ok: false, reason: path.reason };
  return { ok: true, settings: { mail_driver: m[1], ...(path.value ? { mail_path: path.value } : {}) } };
}

export const RENAMED_24: Readonly<Record<string, Rename>> = {
  // Inverted: 2.3 disabled plaintext logins, 2.4 allows cleartext ones.
  disable_plaintext_auth: { to: 'auth_allow_cleartext', carry: yesNo('auth_allow_cleartext', 'no', 'yes') },
  mail_location: { to: 'mail_driver and mail_path', carry: mailLocation },
  ssl_cert: { to: 'ssl_server_cert_file', carry: file('ssl_server_cert_file') },
  ssl_key: { to: 'ssl_server_key_file', carry: file('ssl_server_key_file') },
  ssl_alt_cert: { to: 'ssl_server_alt_cert_file', carry: file('ssl_server_alt_cert_file') },
  ssl_alt_key: { to: 'ssl_server_alt_key_file', carry: file('ssl_server_alt_key_file') },
  ssl_ca: { to: 'ssl_server_ca_file', carry: file('ssl_server_ca_file') },
  ssl_dh: { to: 'ssl_server_dh_file', carry: file('ssl_server_dh_file') },
  ssl_key_password: { to: 'ssl_server_key_password', carry: same('ssl_server_key_password') },
  ssl_prefer_server_ciphers: {
    to: 'ssl_server_prefer_ciphers',
    carry: yesNo('ssl_server_prefer_ciphers', 'server', 'client'),
  },
  ssl_cert_username_field: { to: 'ssl_server_cert_username_field', carry: same('ssl_server_cert_username_field') },
  ssl_require_crl: { to: 'ssl_server_require_crl', carry: same('ssl_server_require_crl') },
  ssl_verify_client_cert: { to: 'ssl_server_request_client_cert', carry: same('ssl_server_request_client_cert') },
  auth_default_realm: { to: 'auth_default_domain', carry: same('auth_default_domain') },
};
