import type { AmavisVerdict, MailLogEvent } from './events.ts';
import type { LogLine } from './line.ts';

// `(01234-01) Passed CLEAN {RelayedInbound}, [192.0.2.1]:4321 <a@b> -> <c@d>, …, 1234 ms`: the main line of a
// message, with its {action} (a virus or banned-part name in parentheses may come first); the per-recipient summary
// that follows it (`Passed CLEAN, <a@b> -> …`) has a comma there. Only amavis's words decide: the verdict comes
// before any address, and the time is the line's last field.
const MAIN = /^\([\w-]+\) (Passed|Blocked) ([A-Z][A-Z-]*[A-Z])(?:-\d+)? [({]/;
const MS = /, (\d+) ms$/;
// `(01234-01) (!)ClamAV-clamd av-scanner FAILED: …` (one scanner) and `(01234-01) (!!)AV: ALL VIRUS SCANNERS FAILED`
// (all of them; the TROUBLE line that may follow repeats it and is not counted again).
const ONE_FAILED = /^\([\w-]+\) \(!\)[A-Za-z0-9][\w .()-]*? av-scanner FAILED: /;
const ALL_FAILED = /^\([\w-]+\) \(!!\)AV: ALL VIRUS SCANNERS FAILED$/;

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
    const ms = MS.exec(line.text)?.[1];
    return ms === undefined
      ? { kind: 'verdict', verdict, blocked: m[1] === 'Blocked' }
      : { kind: 'verdict', verdict, blocked: m[1] === 'Blocked', ms: Number(ms) };
  }
  if (ALL_FAILED.test(line.text)) return { kind: 'scanner-error', all: true };
  if (ONE_FAILED.test(line.text)) return { kind: 'scanner-error', all: false };
  return undefined;
}
