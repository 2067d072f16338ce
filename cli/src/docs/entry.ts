import type { VarSpec } from '@mta/shared';
import { code } from './markup.ts';
import { seedCompat } from './seed-names.ts';

// One labelled line of a variable's entry; `value` is Markdown (code spans only) so both outputs share it.
export interface EntryField {
  label: string;
  value: string;
}

const SEED_TEXT = {
  readme: 'same name and meaning as in mlan/postfix-amavis',
  code: 'same name as in mlan/postfix-amavis (read by its scripts, missing from its README)',
  new: 'new in mta (mlan/postfix-amavis ignores it)',
} as const;

// The default as the index shows it: the value, the derivation, or nothing.
export function shortDefault(spec: VarSpec): string {
  if (spec.default !== undefined) return spec.default === '' ? 'empty' : code(spec.default);
  return spec.defaultText ? code(spec.defaultText) : '';
}

function defaultValue(spec: VarSpec): string {
  if (spec.default !== undefined) return spec.default === '' ? 'empty' : code(spec.default);
  if (spec.defaultText) return `${code(spec.defaultText)} (derived when unset)`;
  return spec.derive ? 'derived when unset' : 'none (unset)';
}

// The facts a user needs about one variable; docs/configuration.md and `mta config explain` both print exactly these.
export function entryFields(name: string, spec: VarSpec): EntryField[] {
  const fields: EntryField[] = [
    { label: 'format', value: code(spec.format) },
    { label: 'default', value: defaultValue(spec) },
  ];
  if (spec.example !== undefined) fields.push({ label: 'example', value: code(`${name}=${spec.example}`) });
  fields.push({ label: 'variants', value: spec.variants.join(', ') });
  fields.push({
    label: 'applies',
    value: spec.live
      ? 'at every start'
      : `at seeding (first start, or ${code('FORCE_CONFIG')}); changed later, it is named at start as not applied`,
  });
  fields.push({
    label: 'secret',
    value: spec.secret ? `yes: redacted in logs; may be given as ${code(`${name}__FILE=/run/secrets/…`)}` : 'no',
  });
  if (spec.emptyIsValue) fields.push({ label: 'empty value', value: `${code(`${name}=`)} switches it off instead of using the default` });
  if (spec.postfixParam) fields.push({ label: 'postfix', value: `applied with postconf as ${code(name.toLowerCase())}` });
  // The cross-variable rules exactly as the parser checks them (the spec is their one source).
  for (const r of spec.rules ?? []) fields.push({ label: r.severity === 'warning' ? 'warns' : 'rule', value: code(r.text) });
  fields.push({ label: 'seed', value: SEED_TEXT[seedCompat(name)] });
  return fields;
}
