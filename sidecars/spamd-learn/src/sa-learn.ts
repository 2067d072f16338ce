// What one sa-learn run printed (through the runner, runner.ts).
export interface SaOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const SUMMARY = /Learned tokens from (\d+) message\(s\) \((\d+) message\(s\) examined\)/;
// sa-learn exits 0 although it wrote nothing when the journal or lock is not writable; these Bayes lines give it
// away. Other warnings (user_prefs, plugins) are not about the DB and must not stop learning.
const STDERR_FAILURE = /^ERROR|bayes.*(cannot|ignored|failed|denied|Read-only|No space)/im;

// Parses the summary line; undefined when sa-learn printed none.
export function parseSummary(stdout: string): { learned: number; examined: number } | undefined {
  const m = SUMMARY.exec(stdout);
  return m ? { learned: Number(m[1]), examined: Number(m[2]) } : undefined;
}

const firstMatchingLine = (stderr: string): string | undefined =>
  stderr
    .split('\n')
    .find((l) => STDERR_FAILURE.test(l))
    ?.trim()
    .slice(0, 300);

// Why an sa-learn run must count as failed (exit code is not enough), or undefined when it did its job.
export function judge(out: SaOutput, expectedExamined?: number): string | undefined {
  const bad = firstMatchingLine(out.stderr);
  if (out.exitCode === 124) return 'sa-learn timed out';
  if (out.exitCode === 64 && out.stderr.startsWith('refused: ')) return `sa-learn runner ${out.stderr.trim()}`;
  if (out.exitCode !== 0) return `sa-learn exit code ${out.exitCode}${bad ? `: ${bad}` : ''}`;
  if (bad) return `sa-learn: ${bad}`;
  if (expectedExamined === undefined) return undefined;
  const s = parseSummary(out.stdout);
  if (!s) return 'sa-learn printed no summary';
  if (s.examined < expectedExamined) return `sa-learn examined ${s.examined} of ${expectedExamined} messages`;
  return undefined;
}
