// The postfix pieces of a loopback hop (postfix -> a helper -> postfix again): the content filter's amavis loop and
// the SRS pass both hand a queued message to a loopback service and take it back on a loopback smtpd.

// A master.cf entry's `  -o name=value` lines.
export const masterOptions = (o: Record<string, string>): string =>
  Object.entries(o)
    .map(([k, v]) => `  -o ${k}=${v}`)
    .join('\n');

// The SMTP client of a hop to loopback: the original client's facts go along (XFORWARD), no DNS, TLS, SASL,
// fallback relay, address rewriting or content checks on the way.
export const LOOPBACK_CLIENT: Record<string, string> = {
  smtp_send_xforward_command: 'yes',
  smtp_dns_support_level: 'disabled',
  smtp_fallback_relay: '',
  smtp_tls_security_level: 'none',
  smtp_tls_wrappermode: 'no',
  smtp_tls_policy_maps: '',
  smtp_sasl_auth_enable: 'no',
  smtp_generic_maps: '',
  smtp_header_checks: '',
  smtp_mime_header_checks: '',
  smtp_body_checks: '',
};

// The smtpd that takes a message back: loopback clients only, no second content filter, none of the checks that
// already ran before the queue, and no error limits (one long-lived client sends everything).
export const REINJECT_SERVER: Record<string, string> = {
  content_filter: '',
  receive_override_options: 'no_unknown_recipient_checks,no_header_body_checks,no_milters',
  local_recipient_maps: '',
  relay_recipient_maps: '',
  mynetworks: '127.0.0.0/8',
  smtpd_restriction_classes: '',
  smtpd_delay_reject: 'no',
  smtpd_client_restrictions: 'permit_mynetworks,reject',
  smtpd_helo_restrictions: '',
  smtpd_sender_restrictions: '',
  smtpd_relay_restrictions: 'permit_mynetworks,reject',
  smtpd_recipient_restrictions: 'permit_mynetworks,reject',
  smtpd_data_restrictions: 'reject_unauth_pipelining',
  smtpd_end_of_data_restrictions: '',
  smtpd_milters: '',
  smtpd_tls_security_level: 'none',
  smtpd_sasl_auth_enable: 'no',
  smtpd_error_sleep_time: '0',
  smtpd_soft_error_limit: '1001',
  smtpd_hard_error_limit: '1000',
  smtpd_client_connection_count_limit: '0',
  smtpd_client_connection_rate_limit: '0',
};
