import type { Bus, Logger } from '@mta/shared';
import type { EnforceOutcome } from './enforce-step.ts';
import type { VerifyOutcome } from './verify-step.ts';

// One log line per message and step that has something to say. Sealers and the From domain appear only for
// trusted sealers (configured domains); the chain's own d= values stay in the Authentication-Results header.
export class Reporter {
  constructor(
    private readonly log: Logger,
    private readonly bus: Bus | undefined,
  ) {}

  verified(o: VerifyOutcome, queueId: string | undefined): void {
    const fields = {
      event: 'arc.verdict',
      queueId,
      result: o.arc.result,
      ...(o.arc.result === 'fail' ? { reason: o.arc.reason } : {}),
      ...(o.arc.result === 'pass' ? { sets: o.arc.sets.length } : {}),
      ...(o.vouch ? { trustedSealer: o.vouch.sealer, domain: o.vouch.domain, by: o.vouch.by } : {}),
      ...(o.removed ? { removedHeaders: o.removed } : {}),
    };
    this.log.info(
      fields,
      `arc=${o.arc.result}${o.arc.result === 'fail' ? ` (${o.arc.reason})` : ''}${o.vouch ? `, trusted sealer ${o.vouch.sealer} vouches for ${o.vouch.domain}` : ''}`,
    );
  }

  enforced(o: EnforceOutcome, queueId: string | undefined): void {
    if (o.kind === 'none') return;
    const data = { queueId: queueId ?? null, sealer: o.sealer, domain: o.domain, policy: o.policy };
    if (o.kind === 'override') {
      this.log.info(
        { event: 'arc.override', ...data },
        `ARC override: ${o.domain} fails DMARC (p=${o.policy}), delivered on the word of trusted sealer ${o.sealer}`,
      );
      this.bus?.publish('mta.dmarc.arc-override', data);
      return;
    }
    this.log.warn(
      { event: 'arc.mismatch', ...data, refused: o.verdict.action === 'reject' },
      `no ARC override: the From domain the sealer vouched for is not the one OpenDMARC judged (${o.domain})`,
    );
  }
}
