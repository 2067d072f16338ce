// Limits on new bans: at most `perMinute` in any minute and `total` in force. Whatever goes wrong upstream (a log line
// that fooled a parser, a fleet node that misbehaves, a botnet), the guard cannot lock out more than this.
export interface CapConfig {
  perMinute: number;
  total: number;
}

export type Cap = 'per-minute' | 'total';

export class BanCaps {
  // When the bans of the last minute began, oldest first (at most perMinute of them).
  private readonly recent: number[] = [];
  private head = 0;
  constructor(readonly c: CapConfig) {}

  // Which cap a new ban would exceed now with `inForce` bans, or undefined when it may go ahead (then counted).
  take(inForce: number, now: number): Cap | undefined {
    if (inForce >= this.c.total) return 'total';
    while (this.head < this.recent.length && (this.recent[this.head] as number) <= now - 60_000) this.head++;
    if (this.recent.length - this.head >= this.c.perMinute) return 'per-minute';
    if (this.head > 1024 && this.head * 2 > this.recent.length) {
      this.recent.splice(0, this.head);
      this.head = 0;
    }
    this.recent.push(now);
    return undefined;
  }
}

export interface CapReport {
  cap: Cap;
  limit: number;
  // New bans refused since the last report.
  refused: number;
  // Where the last refused one came from: this node's guard, or the fleet.
  origin: 'guard' | 'fleet';
}

// Refusals are reported at once when a cap is first hit, then at most once a minute with their count, and once more
// after the last (a burst never floods the log or the bus).
export class CapReporter {
  private readonly pending = new Map<Cap, CapReport>();
  private readonly last = new Map<Cap, number>();
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly report: (r: CapReport) => void,
    private readonly now: () => number,
  ) {}

  refused(cap: Cap, limit: number, origin: 'guard' | 'fleet'): void {
    const p = this.pending.get(cap) ?? { cap, limit, refused: 0, origin };
    p.refused++;
    p.origin = origin;
    this.pending.set(cap, p);
    const since = this.now() - (this.last.get(cap) ?? Number.NEGATIVE_INFINITY);
    if (since >= 60_000) this.flush(cap);
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        for (const c of [...this.pending.keys()]) this.flush(c);
      }, 60_000 - since);
      this.timer.unref();
    }
  }

  private flush(cap: Cap): void {
    const p = this.pending.get(cap);
    if (!p) return;
    this.pending.delete(cap);
    this.last.set(cap, this.now());
    this.report(p);
  }

  close(): void {
    clearTimeout(this.timer);
    for (const c of [...this.pending.keys()]) this.flush(c);
  }
}
