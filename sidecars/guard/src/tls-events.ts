import type { Bus, MailLogEvent } from '@mta/shared';

type TlsEvent = Extract<MailLogEvent, { kind: 'outbound-tls' }> | Extract<MailLogEvent, { kind: 'delivery' }>;

// An outgoing TLS session or a TLS deferral (logs/outbound-tls.ts) on the bus: `mta.tls.outbound.<class>` (verified,
// trusted, untrusted, anonymous, not-verified, tlsa-error) with the class alone; never the destination, which is the
// recipient's domain. A delivery without a TLS reason publishes nothing.
export function publishOutboundTls(bus: Bus | undefined, e: TlsEvent): void {
  if (e.tls) bus?.publish(`mta.tls.outbound.${e.tls}`, { tls: e.tls });
}
