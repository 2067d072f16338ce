import type { SystemUser } from '@mta/shared';
import { ExecError, type Logger, run } from '@mta/shared';
import type { LearnKind } from './kind.ts';

// Where and as whom sa-learn runs: the DB amavis reads, owned by the amavis user.
export interface SaTarget {
  // bayes_path prefix (…/.spamassassin/bayes): the same value amavis's SpamAssassin uses.
  dbPath: string;
  user: SystemUser;
  // HOME for sa-learn, so nothing lands in root's home.
  home: string;
  // Site config override (tests); production uses the packaged /etc/spamassassin like amavis does.
  siteConfigPath?: string;
  // SPAMD_MAX_SIZE: sa-learn skips larger messages (its own default is 500 KB).
  maxSize?: number;
  timeoutMs?: number;
  log?: Logger;
  signal?: AbortSignal;
}

export interface SaOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const common = (t: Pick<SaTarget, 'dbPath' | 'siteConfigPath'>): string[] => [
  '--local',
  '--dbpath',
  t.dbPath,
  ...(t.siteConfigPath ? ['--siteconfigpath', t.siteConfigPath] : []),
];

// One sa-learn run for a whole batch. --no-sync writes to the journal only (see sync-policy.ts for when it is merged).
export function learnArgs(kind: LearnKind, files: readonly string[], t: Pick<SaTarget, 'dbPath' | 'siteConfigPath' | 'maxSize'>): string[] {
  return [...common(t), `--${kind}`, '--no-sync', ...(t.maxSize ? [`--max-size=${t.maxSize}`] : []), '--', ...files];
}

export const syncArgs = (t: Pick<SaTarget, 'dbPath' | 'siteConfigPath'>): string[] => [...common(t), '--sync'];
export const dumpMagicArgs = (t: Pick<SaTarget, 'dbPath' | 'siteConfigPath'>): string[] => [...common(t), '--dump', 'magic'];

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
  if (out.exitCode !== 0) return `sa-learn exit code ${out.exitCode}${bad ? `: ${bad}` : ''}`;
  if (bad) return `sa-learn: ${bad}`;
  if (expectedExamined === undefined) return undefined;
  const s = parseSummary(out.stdout);
  if (!s) return 'sa-learn printed no summary';
  if (s.examined < expectedExamined) return `sa-learn examined ${s.examined} of ${expectedExamined} messages`;
  return undefined;
}

// Runs sa-learn as the amavis user (setpriv when we are root) so the DB files stay owned by amavis.
export async function saLearn(args: readonly string[], t: SaTarget): Promise<SaOutput> {
  const me = process.getuid?.() ?? t.user.uid;
  let file = 'sa-learn';
  let argv = [...args];
  if (me !== t.user.uid) {
    if (me !== 0) throw new Error(`cannot run sa-learn as ${t.user.name}: this process (uid ${me}) is neither root nor ${t.user.name}`);
    file = 'setpriv';
    argv = [`--reuid=${t.user.uid}`, `--regid=${t.user.gid}`, '--clear-groups', 'sa-learn', ...args];
  }
  try {
    const r = await run(file, argv, {
      env: { HOME: t.home, LANG: 'C' },
      timeoutMs: t.timeoutMs ?? 300_000,
      log: t.log,
      signal: t.signal,
    });
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    if (e instanceof ExecError) return { exitCode: e.exitCode ?? -1, stdout: '', stderr: e.message };
    throw e;
  }
}
