import type { Bus, MailLogEvent } from '@mta/shared';

// A delivery postfix deferred because the destination's TLS policy (MTA-STS enforce, DANE, an override) was not met,
// on the bus as `mta.mtasts.deferred` with its class only (the guard follows postfix's log anyway). No destination
// and no address: the postfix line in docker logs has them.
export function publishTlsDeferral(bus: Bus | undefined, e: MailLogEvent): void {
  if (e.kind === 'delivery' && e.tlsPolicy) bus?.publish('mta.mtasts.deferred', { reason: e.tlsPolicy, queueId: e.queueId });
  else if (e.kind === 'sts-mx-refused') bus?.publish('mta.mtasts.deferred', { reason: 'mx-pattern' });
}
