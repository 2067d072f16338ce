import { ErrorCode, isVarName, VARS } from '@mta/shared';
import { entryFields } from '../docs/entry.ts';
import { firstSentence, plain } from '../docs/markup.ts';
import { GENERIC_RULES } from '../docs/rules.ts';
import { suggest } from '../docs/suggest.ts';
import { groupByTopic, topicTitle } from '../docs/topics.ts';
import { type CliIo, failure } from '../io.ts';

function listAll(io: CliIo): void {
  const width = Math.max(...Object.keys(VARS).map((n) => n.length));
  for (const { topic, vars } of groupByTopic()) {
    io.out(`${topicTitle(topic)}:`);
    for (const [name, spec] of vars) io.out(`  ${name.padEnd(width)}  ${plain(firstSentence(spec.description))}`);
    io.out('');
  }
  io.out('Details: mta config explain NAME. Other UPPERCASE postfix parameters and DOVECOT_* settings are passed through.');
}

function explainOne(io: CliIo, name: string): void {
  const spec = VARS[name as keyof typeof VARS];
  io.out(`${name} (${topicTitle(spec.topic)})`);
  io.out(`  ${plain(spec.description)}`);
  const fields = entryFields(name, spec);
  const width = Math.max(...fields.map((f) => f.label.length)) + 1;
  for (const f of fields) io.out(`  ${`${f.label}:`.padEnd(width)} ${plain(f.value)}`);
}

const rule = (prefix: string) => GENERIC_RULES.find((r) => r.title.startsWith(prefix));

// `mta config explain [VAR]`: the configuration.md entry of one variable in the terminal, or every name by topic.
export function configExplain(io: CliIo, input?: string): void {
  if (input === undefined) {
    listAll(io);
    return;
  }
  const name = input
    .trim()
    .toUpperCase()
    .replace(/__FILE$/, '');
  if (isVarName(name)) {
    explainOne(io, name);
    return;
  }
  const dovecot = rule('Dovecot');
  if (name.startsWith('DOVECOT_') && dovecot) {
    io.out(`${name}: ${plain(dovecot.body)}`);
    return;
  }
  const close = suggest(name, Object.keys(VARS));
  io.err(`mta config explain: unknown variable ${JSON.stringify(input)}`);
  if (close.length) io.err(`did you mean: ${close.join(', ')}?`);
  throw failure(
    io,
    ErrorCode.Validation,
    'UPPERCASE postfix parameters are passed to postconf as they are; `mta config explain` lists the known variables.',
  );
}
