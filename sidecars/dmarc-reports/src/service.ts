import { type Bus, coalesce, DirHandle, type Logger, type MtaPaths, RefusedPaths, sleep, submitMail } from '@mta/shared';
import { DAY_S, dayOf } from './aggregate.ts';
import { collect } from './collect.ts';
import type { ReportFleet } from './fleet.ts';
import { loadSuffixList, type SuffixList } from './psl.ts';
import { reportDue } from './report-pass.ts';
import { RecordStore } from './store.ts';
import type { Reporter } from './xml.ts';

// Debian's public suffix list, the one OpenDMARC reads (the seed's PublicSuffixList).
const PSL = '/usr/share/publicsuffix/public_suffix_list.dat';
export const PASS_MS = 60_000;

export interface ServiceOptions {
  paths: MtaPaths;
  log: Logger;
  bus?: Bus;
  reporter: Reporter;
  txt: (name: string) => Promise<string[]>;
  pslFile?: string;
  // The clock (ms), for tests that report a day that is over.
  now?: () => number;
  // Fleet mode: records shared and reports sent once for the whole fleet. Until it answers with the bucket, records
  // are collected and nothing is sent (a report built from this node's records alone would be a second one).
  fleet?: () => ReportFleet | undefined;
  node?: string;
}

// Every minute: collect the history, then send what is due. One pass at a time (coalesce).
export class ReportService {
  private readonly retryAt = new Map<string, number>();
  private readonly refused: RefusedPaths;
  private timer?: NodeJS.Timeout;
  private readonly pass: ReturnType<typeof coalesce>;

  private constructor(
    private readonly o: ServiceOptions,
    private readonly dir: DirHandle,
    private readonly store: RecordStore,
    private readonly psl: SuffixList,
  ) {
    this.refused = new RefusedPaths(o.log, 'dmarc-reports');
    this.pass = coalesce(() => this.once());
  }

  static async start(o: ServiceOptions): Promise<ReportService> {
    // OpenDMARC's run script makes the directory; it may not exist yet when this starts first.
    const dir = await waitForDir(o.paths.dmarcHistory);
    const s = new ReportService(o, dir, new RecordStore(o.paths.dmarcState), await loadSuffixList(o.pslFile ?? PSL));
    await s.runOnce();
    s.timer = setInterval(() => void s.pass.run(), PASS_MS);
    o.log.info({ event: 'dmarc.reports_ready' }, 'collecting DMARC verdicts for aggregate reports');
    return s;
  }

  // One collection and report pass; resolves when it is done.
  async runOnce(): Promise<void> {
    await this.pass.run();
  }

  private async once(): Promise<void> {
    const nowMs = this.o.now?.() ?? Date.now();
    try {
      await collect(this.dir, this.store, nowMs, this.o.log, this.refused);
      const fleet = this.o.fleet?.();
      if (this.o.fleet && !fleet) return;
      if (fleet) await this.share(fleet, Math.floor(nowMs / 1000));
      await reportDue(
        {
          store: this.store,
          reporter: this.o.reporter,
          psl: this.psl,
          txt: this.o.txt,
          submit: (raw, from, to) => submitMail(raw, from, to, this.o.paths.postfixConf),
          log: this.o.log,
          bus: this.o.bus,
          fleet,
          node: this.o.node,
        },
        Math.floor(nowMs / 1000),
        this.retryAt,
      );
      await this.store.prune(Math.floor(nowMs / 1000));
    } catch (e) {
      this.o.log.warn(
        { event: 'dmarc.reports_pass_failed', err: (e as Error).message },
        'a DMARC report pass failed; the next one tries again',
      );
    }
  }

  // This node's records of yesterday and today go to the fleet (each only when it changed).
  private async share(fleet: ReportFleet, now: number): Promise<void> {
    for (const day of [dayOf(now - DAY_S), dayOf(now)]) {
      const verdicts = await this.store.verdicts(day);
      if (verdicts.length) await fleet.publish(day, verdicts);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pass.close();
    await this.dir.close();
  }
}

async function waitForDir(path: string): Promise<DirHandle> {
  for (let i = 0; ; i++) {
    try {
      return await DirHandle.open(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || i >= 60) throw e;
      await sleep(1000);
    }
  }
}
