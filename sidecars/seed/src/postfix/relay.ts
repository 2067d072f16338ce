import type { PlanPart, RenderContext } from '../plan.ts';
import { postfixTables, TABLE_TYPE, withIndex } from './tables.ts';

// Outgoing mail: SMTP client TLS policy always; SMTP_RELAY_HOSTAUTH sends everything through one relay, with
// SASL credentials in a 0600 hashed map when given (never in main.cf).
export function renderRelay(ctx: RenderContext): PlanPart {
  const { config } = ctx;
  const postconf: Record<string, string> = {
    smtp_tls_security_level: config.SMTP_TLS_SECURITY_LEVEL,
    smtp_tls_wrappermode: config.SMTP_TLS_WRAPPERMODE ? 'yes' : 'no',
  };
  const path = postfixTables(ctx.paths).saslPasswd;
  const relay = config.SMTP_RELAY_HOSTAUTH;
  if (!relay) return { postconf, remove: withIndex(path) };
  postconf.relayhost = relay.relayhost;
  if (relay.user === undefined || relay.password === undefined) return { postconf, remove: withIndex(path) };
  Object.assign(postconf, {
    smtp_sasl_auth_enable: 'yes',
    smtp_sasl_password_maps: `${TABLE_TYPE}:${path}`,
    smtp_sasl_security_options: 'noanonymous',
    smtp_sasl_tls_security_options: 'noanonymous',
  });
  const content = `${relay.relayhost}\t${relay.user}:${relay.password}\n`;
  return { postconf, files: [{ path, content, mode: 0o600, postmap: TABLE_TYPE }] };
}
