import type { MasterEntry } from '../plan.ts';
import { SUBMISSION_MILTERS } from '../postfix/sender-milter.ts';

// Options both SASL services share: TLS before AUTH, dovecot checks passwords, only authenticated clients get anywhere.
const SASL_OPTIONS = [
  'smtpd_tls_security_level=encrypt',
  'smtpd_tls_auth_only=yes',
  'smtpd_sasl_auth_enable=yes',
  'smtpd_sasl_type=dovecot',
  'smtpd_sasl_path=private/auth',
  'smtpd_sasl_security_options=noanonymous',
  'smtpd_client_restrictions=permit_sasl_authenticated,reject',
  'smtpd_relay_restrictions=permit_sasl_authenticated,reject',
  'smtpd_recipient_restrictions=permit_sasl_authenticated,reject',
  // The header checks of authenticated mail (the sender milter, later DKIM/DMARC): main.cf's list. A milter that
  // does not answer defers the message (4xx) instead of letting it through unchecked.
  `smtpd_milters=$${SUBMISSION_MILTERS}`,
  'milter_default_action=tempfail',
];

function entry(service: string, syslogName: string, extra: string[]): MasterEntry {
  const options = [`syslog_name=postfix/${syslogName}`, ...extra, ...SASL_OPTIONS].map((o) => `  -o ${o}`);
  return { service, type: 'inet', entry: [`${service} inet n - n - - smtpd`, ...options].join('\n') };
}

// submission (587, STARTTLS) and smtps (465, implicit TLS); `listen` maps the standard names to other addresses (tests).
export function saslServices(listen: { submission?: string; smtps?: string } = {}): MasterEntry[] {
  return [
    entry(listen.submission ?? 'submission', 'submission', []),
    entry(listen.smtps ?? 'smtps', 'smtps', ['smtpd_tls_wrappermode=yes']),
  ];
}
