import type { Bus, MailLogEvent } from '@mta/shared';

// Outbound TLS on the bus, by class only: never the destination (a recipient's domain) nor an address; the postfix
// line in docker logs has them.
// - `mta.tls.outbound.<trust>` (verified, trusted, untrusted, anonymous): each TLS session the smtp client established;
// - `mta.tls.deferred`: a delivery postfix deferred because the destination's TLS policy (MTA-STS enforce, DANE, an
//   override) was not met, with its reason (not-offered, certificate, tlsa-error, mx-pattern, other).
export function publishOutboundTls(bus: Bus | undefined, e: MailLogEvent): void {
  if (e.kind === 'tls-connection') bus?.publish(`mta.tls.outbound.${e.trust}`, { trust: e.trust });
  else if (e.kind === 'delivery' && e.tlsPolicy) bus?.publish('mta.tls.deferred', { reason: e.tlsPolicy, queueId: e.queueId });
  else if (e.kind === 'sts-mx-refused') bus?.publish('mta.tls.deferred', { reason: 'mx-pattern' });
}
