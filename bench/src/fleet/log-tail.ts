import type { Daemon } from '@mta/test/harness/index';

export type LogLine = Record<string, unknown> & { event?: string; time?: string };

// A daemon's JSON log lines, parsed once each as they come (a bench polls them for minutes: reparsing the whole
// output at every poll would cost more CPU than the work it times, on the same two cores).
export class LogTail {
  private offset = 0;
  private readonly lines: LogLine[] = [];

  constructor(private readonly daemon: Daemon) {}

  // Every line so far.
  all(): readonly LogLine[] {
    const out = this.daemon.output();
    const end = out.lastIndexOf('\n') + 1;
    if (end > this.offset) {
      for (const l of out.slice(this.offset, end).split('\n'))
        if (l.startsWith('{'))
          try {
            this.lines.push(JSON.parse(l) as LogLine);
          } catch {
            // Not a log line (a stray write of the process).
          }
      this.offset = end;
    }
    return this.lines;
  }

  // Lines of one event, from the index `from` of all lines on.
  events(event: string, from = 0): LogLine[] {
    return this.all()
      .slice(from)
      .filter((l) => l.event === event);
  }

  get length(): number {
    return this.all().length;
  }
}

// A log line's time in epoch ms.
export const at = (l: LogLine | undefined): number => Date.parse(String(l?.time));
