// Postfix parameters deprecated in 3.9 (postfix's DEPRECATION_README; postconf warns about each one set) that a
// pass-through variable may still name. Where one maps onto its replacement, the seed writes the replacement on every
// release (each replacement exists since postfix 2.x/3.0), so the configuration means the same on bookworm's 3.7 and
// trixie's 3.10 and postconf warns on neither.

const yes = (v: string | undefined): boolean => /^yes$/i.test(v?.trim() ?? '');

// xxx_use_tls / xxx_enforce_tls -> xxx_tls_security_level, as postfix derives the level from them when it is empty.
const tlsLevel = (use: string | undefined, enforce: string | undefined): string => (yes(enforce) ? 'encrypt' : yes(use) ? 'may' : 'none');

interface Replacement {
  instead: string;
  // The replacement's value from the deprecated parameters given; undefined: postfix's default, write nothing.
  value?: (given: Record<string, string>) => string | undefined;
}

const TLS = (p: 'smtp' | 'lmtp' | 'smtpd'): Replacement => ({
  instead: `${p}_tls_security_level`,
  value: (g) => tlsLevel(g[`${p}_use_tls`], g[`${p}_enforce_tls`]),
});

export const DEPRECATED: Readonly<Record<string, Replacement>> = {
  disable_dns_lookups: { instead: 'smtp_dns_support_level', value: (g) => (yes(g.disable_dns_lookups) ? 'disabled' : undefined) },
  smtp_use_tls: TLS('smtp'),
  smtp_enforce_tls: TLS('smtp'),
  lmtp_use_tls: TLS('lmtp'),
  lmtp_enforce_tls: TLS('lmtp'),
  smtpd_enforce_tls: TLS('smtpd'),
  // No mechanical replacement (a different table format; leave the DH and curve choice to postfix): passed as given.
  smtp_tls_per_site: { instead: 'smtp_tls_policy_maps' },
  lmtp_tls_per_site: { instead: 'lmtp_tls_policy_maps' },
  smtpd_tls_dh1024_param_file: { instead: 'nothing (postfix 3.9+ uses its built-in groups)' },
  smtpd_tls_eecdh_grade: { instead: 'nothing (postfix 3.9+ chooses the curves itself)' },
};

export interface Translated {
  postconf: Record<string, string>;
  warnings: string[];
}

// The pass-through parameters with the deprecated ones replaced. `rendered` is what the seed's renderers set: a
// replacement they (or the user, explicitly) already set wins, as in postfix, which then ignores the deprecated one;
// it is then left out.
export function replaceDeprecated(given: Record<string, string>, rendered: Readonly<Record<string, string>>): Translated {
  const postconf: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [name, value] of Object.entries(given)) {
    const d = DEPRECATED[name];
    if (!d) {
      postconf[name] = value;
      continue;
    }
    const variable = name.toUpperCase();
    if (!d.value) {
      postconf[name] = value;
      warnings.push(`${variable}: postfix 3.9 deprecated ${name}; use ${d.instead} instead`);
      continue;
    }
    const set = given[d.instead] ?? rendered[d.instead];
    if (set) {
      warnings.push(`${variable}: not written, postfix ignores it where ${d.instead} is set (${d.instead} = ${set})`);
      continue;
    }
    const replacement = d.value(given);
    if (replacement !== undefined) postconf[d.instead] = replacement;
    warnings.push(
      `${variable}: written as ${d.instead} = ${replacement ?? "postfix's default"} (postfix 3.9 deprecated ${name}; set ${d.instead.toUpperCase()} instead)`,
    );
  }
  return { postconf, warnings };
}
