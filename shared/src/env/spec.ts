import type { EnvSchema } from './checks.ts';

// Image variants, smallest first: a variable is documented for the variants whose daemons read it.
// The one list of variants; every other list and schema is made from it.
export const VARIANTS = ['mini', 'base', 'full'] as const;
export type Variant = (typeof VARIANTS)[number];
export const ALL: readonly Variant[] = VARIANTS;
export const isVariant = (v: string | undefined): v is Variant => (VARIANTS as readonly string[]).includes(v ?? '');
export const BASE_UP: readonly Variant[] = ['base', 'full'];
export const FULL: readonly Variant[] = ['full'];

export type Topic =
  | 'domains and mailboxes'
  | 'delivery'
  | 'relay'
  | 'tls'
  | 'sasl'
  | 'ldap'
  | 'mysql'
  | 'content filter'
  | 'dkim'
  | 'acme'
  | 'spamd learning'
  | 'logging'
  | 'seeding'
  | 'fleet'
  | 'defences'
  | 'metrics';

export type RawEnv = Readonly<Record<string, string | undefined>>;

// Parsed values by variable name, as rules see them (the typed Config is built from the specs, so rules can't use it).
export type ParsedView = Readonly<Record<string, unknown>>;

// What a rule may know besides the values: the image variant, when the caller knows it (the seed, `mta config check`
// in the container); rules about variants hold whenever it is unknown.
export interface RuleContext {
  readonly variant?: Variant;
}

// A rule between this variable and others, reported on this variable (the one the user has to change). The parser,
// the seed, `mta config check`, the generated docs and `mta config explain` all read these and nothing else.
export interface VarRule {
  // The rule as the docs state it, e.g. "required when LDAP_QUERY_FILTER_USER is set".
  readonly text: string;
  // A warning is printed and seeding goes on; an error stops it.
  readonly severity?: 'error' | 'warning';
  // The problem with this environment, or undefined when the rule holds.
  readonly check: (config: ParsedView, ctx: RuleContext) => string | undefined;
}

// Declarative description of one variable: the parser, the docs generator and `mta config explain` all read it.
export interface VarSpec<T = unknown> {
  readonly schema: EnvSchema<T>;
  readonly topic: Topic;
  readonly variants: readonly Variant[];
  readonly description: string;
  readonly format: string;
  readonly example?: string;
  // Raw default value, as a user would write it.
  readonly default?: string;
  // Default computed from the rest of the environment (MAIL_DOMAIN from HOSTNAME); documented by `defaultText`.
  readonly derive?: (env: RawEnv) => string | undefined;
  readonly defaultText?: string;
  // Applies at every container start (read by the sidecars when they start): log levels, the bus, the guard's
  // policy, … Every other variable applies only at seeding (unlock file or FORCE_CONFIG): the daemons run on the
  // seeded files and every process reads the seeded value from the effective configuration (shared/src/effective/).
  readonly live?: boolean;
  // Secrets are redacted in logs and may be given as X__FILE.
  readonly secret?: boolean;
  // An explicitly empty value means "off" instead of "use the default" (ACME_POSTHOOK=).
  readonly emptyIsValue?: boolean;
  // Lowercased, the name is a postfix parameter that the seed applies with postconf.
  readonly postfixParam?: boolean;
  // Rules involving other variables (or the variant); checked once every value parsed.
  readonly rules?: readonly VarRule[];
  // Secret pieces of a value that is not secret as a whole (the password inside a URL): redacted wherever it appears.
  readonly secretParts?: (raw: string) => string[];
}

// Identity helper that keeps whether a spec has a static default, so Config knows which values are always set.
export function defineVar<T, D extends VarSpec<T>['default'] = undefined>(spec: VarSpec<T> & { default?: D }): VarSpec<T> & { default: D } {
  return spec as VarSpec<T> & { default: D };
}
