import type { Logger } from '../log.ts';
import { isUnsafe } from './open.ts';

// Logs each refused path once (event fs.refused), however often a watcher or retry meets it again; the caller goes on
// with the legitimate files next to it.
export class RefusedPaths {
  private readonly seen = new Set<string>();

  constructor(
    private readonly log: Logger,
    private readonly sidecar: string,
  ) {}

  // True when `err` was a refusal (now logged); false for any other error, which stays the caller's.
  report(err: unknown): boolean {
    if (!isUnsafe(err)) return false;
    const key = `${err.path}\0${err.reason}`;
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.log.warn({ event: 'fs.refused', sidecar: this.sidecar, path: err.path, reason: err.reason }, err.message);
    }
    return true;
  }

  // A path that is fine again (removed, replaced by a real file) is reported anew next time.
  forget(path: string): void {
    for (const k of this.seen) if (k.startsWith(`${path}\0`)) this.seen.delete(k);
  }
}
