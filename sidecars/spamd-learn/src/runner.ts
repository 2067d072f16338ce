import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { ErrorCode, type Logger, MtaError, type SystemUser } from '@mta/shared';
import { EnvironmentFailure } from './bisect.ts';
import type { LearnKind } from './kind.ts';
import { RUNNER_SCRIPT } from './runner-script.ts';
import type { SaOutput } from './sa-learn.ts';

export interface RunnerOptions {
  // The Bayes DB owner (amavis): sa-learn runs as this user.
  user: SystemUser;
  // The only directory whose batch copies it learns (batch-*/<n>.eml).
  stagingRoot: string;
  // bayes_path prefix (…/.spamassassin/bayes): the same value amavis's SpamAssassin uses.
  dbPath: string;
  // HOME for sa-learn, so nothing lands in root's home.
  home: string;
  // Site config override (tests); production uses the packaged /etc/spamassassin like amavis does.
  siteConfigPath?: string;
  timeoutMs?: number;
  log?: Logger;
  // Aborted: the request in flight and every later one fail at once (EnvironmentFailure 'stopping').
  signal?: AbortSignal;
}

// sa-learn's own default, and SPAMD_MAX_SIZE's.
export const DEFAULT_MAX_SIZE = 512_000;
// Kept of each stream of one reply (sa-learn prints a summary and, on trouble, a few lines).
const KEEP_BYTES = 64 * 1024;

interface Waiter {
  resolve: (o: SaOutput) => void;
  reject: (e: Error) => void;
}

// The client of RUNNER_SCRIPT: one long-lived amavis process, started while this process is still root, that runs
// sa-learn on request. What comes back is the amavis user's word (less trusted): lengths are bounded, text is kept
// short, and a broken reply fails the request.
export class SaRunner {
  private buf: Buffer = Buffer.alloc(0);
  private reply: { code: number; left: [number, number]; kept: [Buffer[], Buffer[]] } | undefined;
  private waiter: Waiter | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private dead: string | undefined;
  // Resolves with the exit code (or signal name) when the amavis process is gone.
  readonly exited: Promise<number | string>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly opts: RunnerOptions,
  ) {
    child.stdout.on('data', (d: Buffer) => this.take(d));
    child.stderr.on('data', (d: Buffer) =>
      opts.log?.warn({ event: 'spamd.runner', stderr: d.toString().slice(0, 500) }, 'sa-learn runner'),
    );
    child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      child.on('error', (e) => {
        this.fail(`sa-learn runner: ${e.message}`);
        resolve(e.message);
      });
      child.on('exit', (code, signal) => {
        this.fail(`sa-learn runner exited (${signal ?? code})`);
        resolve(signal ?? code ?? -1);
      });
    });
    opts.signal?.addEventListener('abort', () => this.fail('stopping'), { once: true });
  }

  // Starts the amavis process: as root through setpriv (amavis's uid and gid only), or directly when this process
  // already is that user. It ends when this process closes its input or exits (after the sa-learn run in flight); the
  // parent-death signal covers only a death while still root: once this process has left root, the kernel does not
  // let it signal amavis's processes.
  static start(opts: RunnerOptions): SaRunner {
    const me = process.getuid?.() ?? opts.user.uid;
    const args = [opts.stagingRoot, opts.dbPath, opts.siteConfigPath ?? '', String(Math.ceil((opts.timeoutMs ?? 300_000) / 1000))];
    const sh = ['/bin/sh', '-c', RUNNER_SCRIPT, 'spamd-learn-runner', ...args];
    let argv: string[];
    if (me === opts.user.uid) argv = sh;
    else if (me === 0)
      argv = ['setpriv', `--reuid=${opts.user.uid}`, `--regid=${opts.user.gid}`, '--clear-groups', '--pdeathsig=TERM', '--', ...sh];
    else
      throw new MtaError(
        ErrorCode.Config,
        `cannot run sa-learn as ${opts.user.name}: this process (uid ${me}) is neither root nor ${opts.user.name}`,
      );
    const [file, ...rest] = argv as [string, ...string[]];
    const child = spawn(file, rest, {
      env: { HOME: opts.home, LANG: 'C', PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new SaRunner(child, opts);
  }

  // One sa-learn run over staged copies: <stagingRoot>/batch-*/<n>.eml; into the journal, or with `sync` into the DB
  // after merging the journal (the journal is then empty).
  learn(kind: LearnKind, files: readonly string[], maxSize = DEFAULT_MAX_SIZE, sync = false): Promise<SaOutput> {
    const batch = basename(dirname(files[0] ?? ''));
    const indices = files.map((f) => {
      const m = /^(\d+)\.eml$/.exec(basename(f));
      if (!m || dirname(f) !== `${this.opts.stagingRoot}/${batch}`) throw new MtaError(ErrorCode.Internal, `not a staged copy: ${f}`);
      return m[1];
    });
    return this.request(`${sync ? 'learnsync' : 'learn'} ${kind} ${maxSize} ${batch} ${indices.join(' ')}`);
  }

  // Merges the journal into the DB (needs the DB's write lock: also the health probe).
  sync(): Promise<SaOutput> {
    return this.request('sync');
  }

  // No more requests: the amavis process ends after the one in flight.
  close(): void {
    this.child.stdin.end();
  }

  private request(line: string): Promise<SaOutput> {
    const next = this.chain.then(
      () =>
        new Promise<SaOutput>((resolve, reject) => {
          if (this.dead) return reject(new EnvironmentFailure(this.dead));
          this.waiter = { resolve, reject };
          this.child.stdin.write(`${line}\n`);
        }),
    );
    this.chain = next.catch(() => {});
    return next;
  }

  private fail(why: string): void {
    this.dead ??= why;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(new EnvironmentFailure(why));
  }

  // Reply framing: a header line, then exactly out + err bytes, of which the first KEEP_BYTES of each are kept.
  private take(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length > 0) {
      if (!this.reply) {
        const nl = this.buf.indexOf(10);
        if (nl < 0) {
          if (this.buf.length > 100) this.broken('reply header too long');
          return;
        }
        const m = /^(\d{1,3}) (\d{1,12}) (\d{1,12})$/.exec(this.buf.subarray(0, nl).toString('latin1'));
        if (!m) {
          this.broken('malformed reply header');
          return;
        }
        this.reply = { code: Number(m[1]), left: [Number(m[2]), Number(m[3])], kept: [[], []] };
        this.buf = this.buf.subarray(nl + 1);
      }
      const r = this.reply;
      const s = r.left[0] > 0 ? 0 : 1;
      const n = Math.min(r.left[s], this.buf.length);
      const room = KEEP_BYTES - r.kept[s].reduce((a, b) => a + b.length, 0);
      if (room > 0 && n > 0) r.kept[s].push(Buffer.from(this.buf.subarray(0, Math.min(n, room))));
      r.left[s] -= n;
      this.buf = this.buf.subarray(n);
      if (r.left.some((x) => x > 0)) continue;
      this.reply = undefined;
      const w = this.waiter;
      this.waiter = undefined;
      w?.resolve({ exitCode: r.code, stdout: Buffer.concat(r.kept[0]).toString(), stderr: Buffer.concat(r.kept[1]).toString() });
    }
  }

  private broken(why: string): void {
    this.fail(`sa-learn runner: ${why}`);
    this.child.stdout.destroy();
    this.child.stdin.destroy();
  }
}
