import type { AmavisVerdict, MailLogEvent } from './events.ts';
import type { LogLine } from './line.ts';

// `(01234-01) Passed CLEAN {RelayedInbound}, [192.0.2.1]:4321 <a@b> -> <c@d>, …, 1234 ms`: the main line of a
// message, with its {action}; the per-recipient summary that follows it (`Passed CLEAN, <a@b> -> …`) has none.
const MAIN = /^\([\w-]+\) (Passed|Blocked) ([A-Z][A-Z-]*[A-Z])(?:-\d+)?(?: \([^)]*\))? \{[^}]*\}.*?(?:, (\d+) ms)?$/;
const SCANNER = /(?:av-scanner FAILED|ALL VIRUS SCANNERS FAILED)/;

const VERDICTS: Record<string, AmavisVerdict> = {
  CLEAN: 'clean',
  SPAM: 'spam',
  SPAMMY: 'spam',
  INFECTED: 'virus',
  BANNED: 'banned',
  'BAD-HEADER': 'bad-header',
  UNCHECKED: 'unchecked',
};

// One amavis line -> a verdict or a scanner failure, or undefined.
export function parseAmavis(line: LogLine): MailLogEvent | undefined {
  if (!/^amavisd?(-new)?$/.test(line.daemon)) return undefined;
  const m = MAIN.exec(line.text);
  if (m) {
    const word = m[2] as string;
    const verdict = VERDICTS[word] ?? VERDICTS[Object.keys(VERDICTS).find((k) => word.startsWith(`${k}-`)) ?? ''] ?? 'other';
    const ms = m[3] === undefined ? undefined : Number(m[3]);
    return ms === undefined
      ? { kind: 'verdict', verdict, blocked: m[1] === 'Blocked' }
      : { kind: 'verdict', verdict, blocked: m[1] === 'Blocked', ms };
  }
  if (SCANNER.test(line.text)) return { kind: 'scanner-error', all: line.text.includes('ALL VIRUS SCANNERS FAILED') };
  return undefined;
}
