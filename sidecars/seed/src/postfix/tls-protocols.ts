import type { PlanPart } from '../plan.ts';

// What no TLS session of ours may use: anonymous and NULL suites, export and single-DES, RC4, 3DES, MD5, static RSA
// key exchange (no forward secrecy), and the exotic ones (PSK, SRP, IDEA, SEED, CAMELLIA, ARIA, DSS).
const TLS_EXCLUDED = 'aNULL, eNULL, EXPORT, DES, RC4, 3DES, MD5, PSK, SRP, IDEA, SEED, CAMELLIA, ARIA, aDSS, kRSA';

// The TLS profile of the SMTP server and client (LMTP inherits the client's): TLS 1.2 and later, strong suites only,
// the server's cipher order, no client-initiated renegotiation. 465/587 use the mandatory settings (TLS required), port
// 25 the opportunistic ones; both exclude the same weak suites.
export function renderTlsProtocols(): PlanPart {
  const min = '>=TLSv1.2';
  return {
    postconf: {
      smtpd_tls_protocols: min,
      smtpd_tls_mandatory_protocols: min,
      smtp_tls_protocols: min,
      smtp_tls_mandatory_protocols: min,
      smtpd_tls_ciphers: 'high',
      smtpd_tls_mandatory_ciphers: 'high',
      smtpd_tls_exclude_ciphers: TLS_EXCLUDED,
      smtpd_tls_mandatory_exclude_ciphers: TLS_EXCLUDED,
      tls_preempt_cipherlist: 'yes',
      tls_ssl_options: 'NO_RENEGOTIATION, NO_COMPRESSION',
    },
  };
}
