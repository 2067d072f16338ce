import type { Bus, Logger, SenderReason } from '@mta/shared';
import type { Decision } from './verdict.ts';

// Every decision that is not an acceptance: one log line (with the login and address, for the operator) and one bus
// event with classes and running counts only.
export class Reporter {
  private readonly totals = new Map<SenderReason, number>();

  constructor(
    private readonly log: Logger,
    private readonly bus: Bus | undefined,
  ) {}

  report(d: Decision, login: string | undefined, queueId: string | undefined): void {
    if (!d.reason) return;
    const total = (this.totals.get(d.reason) ?? 0) + 1;
    this.totals.set(d.reason, total);
    const deferred = d.verdict.action === 'tempfail';
    const event = deferred ? 'submission.deferred' : 'submission.refused';
    const fields = { event, reason: d.reason, field: d.field, login, address: d.address, queueId, detail: d.detail };
    const text = deferred
      ? `deferred a submission: ${d.reason}${d.detail ? ` (${d.detail})` : ''}`
      : `refused a submission of ${login ?? 'an unknown login'}: ${d.reason}${d.field ? ` in ${d.field}` : ''}`;
    if (deferred) this.log.warn(fields, text);
    else this.log.info(fields, text);
    this.bus?.publish(`mta.${event}`, { reason: d.reason, field: d.field ?? null, total });
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.totals);
  }
}
