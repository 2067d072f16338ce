import { join } from 'node:path';
import { saslMethods } from '../dovecot/sasl.ts';
import type { MasterEntry, PlanPart, RenderContext } from '../plan.ts';

// The internal smtpd the sender milter asks whether a login owns an address: postfix's own envelope rules
// (smtpd_sender_restrictions, smtpd_sender_login_maps, SMTPD_SASL_SENDERS classes from main.cf), given the login by
// XCLIENT LOGIN. A unix socket in public/ (group postdrop); it takes no mail at all.
const SENDER_CHECK_SERVICE = 'mta-sender-check';
// The main.cf list the submission services' smtpd_milters expand; more milters (DKIM, DMARC) join the same list.
export const SUBMISSION_MILTERS = 'mta_submission_milters';

// What the sender-milter sidecar reads at start: where smtpd finds it, and where it finds the check service.
interface SenderMilterSettings {
  socket: string;
  check: string;
}

const senderMilterSettings = (ctx: Pick<RenderContext, 'paths'>): SenderMilterSettings => ({
  socket: join(ctx.paths.senderMilterRun, 'milter.sock'),
  check: join(ctx.paths.postfixQueue, 'public', SENDER_CHECK_SERVICE),
});

const CHECK_OPTIONS: Record<string, string> = {
  syslog_name: 'postfix/sender-check',
  // Unix-socket clients count as 127.0.0.1; only the milter's uid can reach public/ besides postfix and root.
  smtpd_authorized_xclient_hosts: '127.0.0.1',
  // The sender restrictions answer MAIL FROM itself; no recipient, no data, ever.
  smtpd_delay_reject: 'no',
  smtpd_client_restrictions: '',
  smtpd_helo_restrictions: '',
  smtpd_relay_restrictions: 'reject',
  smtpd_recipient_restrictions: 'reject',
  smtpd_data_restrictions: 'reject',
  smtpd_end_of_data_restrictions: '',
  smtpd_etrn_restrictions: 'reject',
  smtpd_milters: '',
  smtpd_proxy_filter: '',
  content_filter: '',
  // XCLIENT LOGIN needs SASL switched on; cyrus with no configuration of its own has no users and no dependency on
  // dovecot being up.
  smtpd_sasl_auth_enable: 'yes',
  smtpd_sasl_type: 'cyrus',
  smtpd_sasl_path: SENDER_CHECK_SERVICE,
  smtpd_tls_security_level: 'none',
  smtpd_tls_auth_only: 'no',
  smtpd_peername_lookup: 'no',
  // Every refused address is one error: the milter's long-lived sessions must not be slowed down or dropped.
  smtpd_error_sleep_time: '0',
  smtpd_soft_error_limit: '1001',
  smtpd_hard_error_limit: '1000',
  smtpd_client_connection_count_limit: '0',
  smtpd_client_connection_rate_limit: '0',
  smtpd_client_message_rate_limit: '0',
  smtpd_client_auth_rate_limit: '0',
};

const senderCheckEntry = (): MasterEntry => ({
  service: SENDER_CHECK_SERVICE,
  type: 'unix',
  entry: [`${SENDER_CHECK_SERVICE} unix n - n - - smtpd`, ...Object.entries(CHECK_OPTIONS).map(([k, v]) => `  -o ${k}=${v}`)].join('\n'),
});

// Submission (465/587) refuses, before the queue, mail whose From/Sender headers name an address the login does not
// own: the sender milter reads {auth_authen} and the headers and asks the check service. On with SASL and
// SMTPD_SASL_SENDER_CHECK (the envelope rule it extends); the list stays defined (empty) whenever 465/587 exist.
export function renderSenderMilter(ctx: RenderContext): PlanPart {
  const { config } = ctx;
  const methods = ctx.variant === 'mini' ? [] : saslMethods(config);
  const conf = ctx.paths.senderMilterConf;
  if (!methods.length) return { remove: [conf] };
  if (!config.SMTPD_SASL_SENDER_CHECK) return { postconf: { [SUBMISSION_MILTERS]: '' }, remove: [conf] };
  const settings = senderMilterSettings(ctx);
  return {
    postconf: { [SUBMISSION_MILTERS]: '' },
    postconfLists: { [SUBMISSION_MILTERS]: [`unix:${settings.socket}`] },
    master: [senderCheckEntry()],
    files: [{ path: conf, content: `${JSON.stringify(settings, null, 2)}\n`, mode: 0o644 }],
  };
}
