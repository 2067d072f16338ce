import { spawn } from 'node:child_process';
import { ErrorCode, MtaError } from './errors.ts';

// Releases a lock; resolves once it is released.
export type Release = () => Promise<void>;

// An exclusive flock(2) on `file`, across processes (the sidecars, the CLI and, through the CLI, run scripts), held
// until release(). Node has no flock: flock(1) takes the lock and holds it while its child reads our end of a pipe.
// Released, or this process gone (killed too), the pipe closes, the child exits and the kernel drops the lock: it is
// never left held by a dead process. `file` must sit in a directory only root can write (run/mta).
export function lockFile(file: string, opts: { signal?: AbortSignal } = {}): Promise<Release> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['--exclusive', file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    let held = false;
    const exited = new Promise<void>((r) => child.once('close', () => r()));
    const release: Release = async () => {
      child.stdin.end();
      await exited;
    };
    const abort = () => {
      child.kill('SIGTERM');
      reject(new MtaError(ErrorCode.Timeout, `gave up waiting for the lock ${file}`));
    };
    opts.signal?.addEventListener('abort', abort, { once: true });
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', () => {
      if (held) return;
      held = true;
      opts.signal?.removeEventListener('abort', abort);
      resolve(release);
    });
    child.once('error', (e) => reject(new MtaError(ErrorCode.Exec, `cannot lock ${file}: flock: ${e.message}`, { cause: e })));
    child.once('close', (code) => {
      opts.signal?.removeEventListener('abort', abort);
      if (!held) reject(new MtaError(ErrorCode.Io, `cannot lock ${file}: flock exited ${code}${stderr ? `: ${stderr.trim()}` : ''}`));
    });
    if (opts.signal?.aborted) abort();
  });
}
