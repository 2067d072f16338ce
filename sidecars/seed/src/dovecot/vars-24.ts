// Values the operator writes in Dovecot 2.3's variable syntax (MYSQL_QUERY_PASS's '%u', LDAP filters' %u,
// DOVECOT_AUTH_USERNAME_FORMAT=%Ln) carried over to 2.4's, which dropped every one-letter variable: '%u' becomes
// '%{user}', '%Ln' '%{user | username | lower}'. A value already in 2.4 syntax stays as it is.

const SHORT: Record<string, string> = {
  u: 'user',
  n: 'user | username',
  d: 'user | domain',
  s: 'protocol',
  r: 'remote_ip',
  l: 'local_ip',
  a: 'local_port',
  b: 'remote_port',
  h: 'home',
  p: 'client_pid',
  w: 'password',
  m: 'mechanism',
};

// 2.3's long names that 2.4 renamed; the others (%{user}, %{home}, %{protocol}…) mean the same in both.
const LONG: Record<string, string> = {
  service: 'protocol',
  rip: 'remote_ip',
  lip: 'local_ip',
  rport: 'remote_port',
  lport: 'local_port',
  username: 'user | username',
  domain: 'user | domain',
  orig_user: 'original_user',
  orig_username: 'original_user | username',
  orig_domain: 'original_user | domain',
};

const CASE: Record<string, string> = { L: ' | lower', U: ' | upper' };

export type VarsResult = { ok: true; value: string } | { ok: false; reason: string };

// One pass over the value: %% stays, %[L|U]x and %[L|U]{name} are rewritten, anything else is refused with the piece
// 2.4 would not understand (a hash or width modifier, %{if;…}).
export function toDovecot24Vars(value: string): VarsResult {
  let out = '';
  const re = /%(%|([LU]?)\{([^}]*)\}|([LU]?)([a-zA-Z]))/g;
  let last = 0;
  for (const m of value.matchAll(re)) {
    out += value.slice(last, m.index);
    last = (m.index ?? 0) + m[0].length;
    if (m[1] === '%') {
      out += '%%';
      continue;
    }
    if (m[5] !== undefined) {
      const name = SHORT[m[5]];
      if (!name) return { ok: false, reason: `${m[0]} has no Dovecot 2.4 equivalent` };
      out += `%{${name}${CASE[m[4] ?? ''] ?? ''}}`;
      continue;
    }
    const inner = (m[3] ?? '').trim();
    if (inner.includes('|') && !m[2]) {
      out += m[0];
      continue;
    }
    if (!/^[a-z_]+$/.test(inner)) return { ok: false, reason: `${m[0]} has no Dovecot 2.4 equivalent` };
    out += `%{${LONG[inner] ?? inner}${CASE[m[2] ?? ''] ?? ''}}`;
  }
  out += value.slice(last);
  // A % not followed by a variable (a width or hash modifier such as %2Mu): 2.3 syntax that has no plain rewrite.
  const stray = /%(?!%|\{)/.exec(out.replace(/%%/g, ''));
  if (stray) return { ok: false, reason: `${value}: a % modifier with no Dovecot 2.4 equivalent` };
  return { ok: true, value: out };
}
