import type { PlanPart, RenderContext } from '../plan.ts';

// VIRTUAL_TRANSPORT: empty delivers into /var/mail with postfix's virtual agent, otherwise the given transport
// (lmtp:host:port for an external LMTP server, lmtp:unix:private/transport for dovecot).
export function renderTransport(ctx: RenderContext): PlanPart {
  const t = ctx.config.VIRTUAL_TRANSPORT;
  if (/^lmtp:unix:/.test(t) && ctx.variant === 'mini')
    return { errors: [{ variable: 'VIRTUAL_TRANSPORT', message: `${t} needs dovecot, which the mini image does not have` }] };
  return { postconf: { virtual_transport: t || 'virtual' } };
}
