import type { Bus, MailLogEvent } from '@mta/shared';

type DmarcEvent = Extract<MailLogEvent, { kind: 'dmarc' }>;

// A DMARC verdict of postfix's log (the guard follows that log anyway) on the bus: `mta.dmarc.refused` for a message
// refused in the session, else `mta.dmarc.<result>` (pass, fail, none, temperror, permerror, other). The result and
// policy come from bounded sets; the From domain is the client's word, as OpenDMARC judged it. Nothing is logged: the
// postfix line that carries the verdict is in docker logs already.
export function publishDmarc(bus: Bus | undefined, e: DmarcEvent): void {
  const { queueId, result, policy, refused, domain } = e;
  bus?.publish(`mta.dmarc.${refused ? 'refused' : result}`, { queueId, result, policy, refused, domain });
}
