import { EntryList } from './entry-list.ts';
import type { ParsedView, Variant, VarRule } from './spec.ts';

// Whether a variable has a value that switches something on: unset, empty text and empty lists do not.
export function isSet(config: ParsedView, name: string): boolean {
  const v = config[name];
  return v !== undefined && v !== '' && !((Array.isArray(v) || v instanceof EntryList) && v.length === 0);
}

const list = (names: readonly string[], join: string): string =>
  names.length > 1 ? `${names.slice(0, -1).join(', ')} ${join} ${names.at(-1)}` : (names[0] ?? '');

// This variable must be set when any of `by` is (its partner, or the base a use needs).
export function requiredWhen(by: readonly string[], self: string): VarRule {
  return {
    text: `required when ${list(by, 'or')} is set`,
    check: (c) => {
      if (isSet(c, self)) return undefined;
      const given = by.filter((n) => isSet(c, n));
      return given.length ? `required when ${list(given, 'and')} ${given.length > 1 ? 'are' : 'is'} set` : undefined;
    },
  };
}

// Set alone, this variable would be silently ignored: one of `uses` must be set too.
export function ignoredWithout(uses: readonly string[], what: string, self: string, severity: VarRule['severity'] = 'error'): VarRule {
  return {
    text: `has no effect unless ${list(uses, 'or')} is set (${what})`,
    severity,
    check: (c) =>
      isSet(c, self) && !uses.some((n) => isSet(c, n))
        ? `set, but nothing uses it: set ${list(uses, 'or')} (${what}), or remove it`
        : undefined,
  };
}

// A feature of this variable that the variant's daemons lack: reported as a warning, the rest still starts.
export function needsVariant(variants: readonly Variant[], what: string, self: string): VarRule {
  return {
    text: `${what} needs the ${list(variants, 'or')} image`,
    severity: 'warning',
    check: (c, ctx) =>
      isSet(c, self) && ctx.variant && !variants.includes(ctx.variant)
        ? `ignored: ${what} needs the ${list(variants, 'or')} image, this is ${ctx.variant}`
        : undefined,
  };
}
