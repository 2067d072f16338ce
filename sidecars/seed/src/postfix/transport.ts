import type { PlanPart, RenderContext } from '../plan.ts';

// VIRTUAL_TRANSPORT: empty delivers into /var/mail with postfix's virtual agent, otherwise the given transport
// (lmtp:host:port for an external LMTP server, lmtp:unix:private/transport for dovecot; the env rules refuse that one
// in the mini image).
export function renderTransport(ctx: RenderContext): PlanPart {
  const t = ctx.config.VIRTUAL_TRANSPORT;
  return { postconf: { virtual_transport: t || 'virtual' } };
}
