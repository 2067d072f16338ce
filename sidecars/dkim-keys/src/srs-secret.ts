// The SRS secret file as postsrsd 1.10 reads it: one secret a line, the first signs new addresses, every line
// verifies (checked on the real daemon by test/src/fleet/srs.test.ts). Pure, unit-tested.

// Lines kept after the fleet's secret: earlier local secrets still reverse what they signed (21 days). More than a
// few means something rewrites the secret in a loop; the oldest then go.
export const MAX_VERIFY_LINES = 4;

// What postsrsd can use as a line of its secret file: no whitespace (it splits lines and trims), printable ASCII,
// long enough to be a key (the seed writes 44 characters of base64).
const SECRET_RE = /^[\x21-\x7e]{16,512}$/;

// Why a value from the fleet is not a secret this node will use, or undefined when it is one.
export function secretProblem(body: Buffer): string | undefined {
  const text = body.toString('utf8').replace(/\n$/, '');
  return SECRET_RE.test(text) ? undefined : 'not an SRS secret (one line of 16 to 512 printable characters)';
}

// The lines of a secret file that postsrsd would use (empty ones and surrounding blanks dropped).
export const secretLines = (file: string | undefined): string[] =>
  (file ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

// The file that makes `fleet` the signing secret while every local secret still verifies; undefined when the file
// already signs with it (nothing to write, postsrsd needs no restart).
export function adoptedSecretFile(local: string | undefined, fleet: string): string | undefined {
  const lines = secretLines(local);
  if (lines[0] === fleet) return undefined;
  const verify = lines.filter((l) => l !== fleet).slice(0, MAX_VERIFY_LINES);
  return `${[fleet, ...verify].join('\n')}\n`;
}
