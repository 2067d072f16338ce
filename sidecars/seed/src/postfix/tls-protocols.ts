import type { PlanPart } from '../plan.ts';

// TLS 1.2 and later only, for the SMTP server and client (LMTP inherits the client's setting).
export function renderTlsProtocols(): PlanPart {
  const min = '>=TLSv1.2';
  return {
    postconf: {
      smtpd_tls_protocols: min,
      smtpd_tls_mandatory_protocols: min,
      smtp_tls_protocols: min,
      smtp_tls_mandatory_protocols: min,
    },
  };
}
