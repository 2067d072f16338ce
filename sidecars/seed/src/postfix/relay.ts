import type { PlanPart, RenderContext } from '../plan.ts';
import { postfixTables, TABLE_TYPE, tableText, withIndex } from './tables.ts';

// Outgoing relays. SMTP_RELAY_HOSTAUTH sends everything through one relay; SMTP_RELAY_SENDER_HOSTAUTH picks a relay
// by envelope sender (sender_dependent_relayhost_maps: the whole address, then @domain), other senders keep the
// global relay or direct delivery. Credentials live only in one 0600 hashed map (never in main.cf): keyed by sender
// for the sender relays (smtp_sender_dependent_authentication) and by the relay host for the global one, which a
// sender without an entry of its own falls back to. The loopback hops (content filter, SRS pass) switch SASL off
// (LOOPBACK_CLIENT), so no credential is ever offered there.
export function renderRelay(ctx: RenderContext): PlanPart {
  const { config } = ctx;
  const tables = postfixTables(ctx.paths);
  const postconf: Record<string, string> = { smtp_tls_wrappermode: config.SMTP_TLS_WRAPPERMODE ? 'yes' : 'no' };
  const files: NonNullable<PlanPart['files']> = [];
  const remove: string[] = [];
  const relay = config.SMTP_RELAY_HOSTAUTH;
  const senders = config.SMTP_RELAY_SENDER_HOSTAUTH ?? [];
  if (relay) postconf.relayhost = relay.relayhost;

  if (senders.length) {
    postconf.sender_dependent_relayhost_maps = `${TABLE_TYPE}:${tables.senderRelay}`;
    const rows = senders.map((s) => [s.sender, s.relayhost] as const);
    files.push({ path: tables.senderRelay, content: tableText(rows), mode: 0o644, postmap: TABLE_TYPE });
  } else remove.push(...withIndex(tables.senderRelay));

  const saslRows = [
    ...senders.flatMap((s) => (s.user !== undefined && s.password !== undefined ? [[s.sender, `${s.user}:${s.password}`] as const] : [])),
    ...(relay?.user !== undefined && relay.password !== undefined ? [[relay.relayhost, `${relay.user}:${relay.password}`] as const] : []),
  ];
  if (!saslRows.length) return { postconf, files, remove: [...remove, ...withIndex(tables.saslPasswd)] };
  Object.assign(postconf, {
    smtp_sasl_auth_enable: 'yes',
    smtp_sasl_password_maps: `${TABLE_TYPE}:${tables.saslPasswd}`,
    smtp_sasl_security_options: 'noanonymous',
    smtp_sasl_tls_security_options: 'noanonymous',
  });
  if (saslRows.length > (relay?.password !== undefined ? 1 : 0)) postconf.smtp_sender_dependent_authentication = 'yes';
  files.push({ path: tables.saslPasswd, content: tableText(saslRows), mode: 0o600, postmap: TABLE_TYPE });
  return { postconf, files, remove };
}
