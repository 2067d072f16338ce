import { resolveFileVars } from './parse.ts';
import { secretValuesIn } from './redact.ts';
import type { RawEnv } from './spec.ts';

// The values to scrub from every log line and error of this process: secret variables, given directly or as X__FILE
// (read here, so a file's content is scrubbed too), and the secret parts of other values (credentials in NATS_URL).
// Its own file so that parse.ts (which scrubs its issues) and redact.ts need not import each other.
export function secretValues(input: RawEnv, read?: (path: string) => string): string[] {
  return secretValuesIn(resolveFileVars(input, read).env);
}
