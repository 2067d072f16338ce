import type { MailLogEvent } from '@mta/shared';
import type { Families } from './families.ts';

// Label values are picked from these sets; anything else is counted as "other", so no log line can create series.
const SERVICES = new Set(['smtpd', 'submission', 'smtps', 'pickup', 'imap', 'pop3', 'lmtp']);
const LIMITS: [RegExp, string][] = [
  [/^connection rate/, 'connection_rate'],
  [/^connection concurrency/, 'connection_count'],
  [/^message delivery request rate/, 'message_rate'],
  [/^recipient address rate/, 'recipient_rate'],
  [/^auth command rate/, 'auth_rate'],
  [/^new tls session rate/, 'tls_rate'],
];
const bounded = (v: string, set: ReadonlySet<string>) => (set.has(v) ? v : 'other');

// One daemon log event -> counters.
export function countLogEvent(f: Families, e: MailLogEvent): void {
  switch (e.kind) {
    case 'received':
      f.received.inc({ service: bounded(e.service, SERVICES) });
      return;
    case 'delivery':
      if (!e.internal) f.deliveries.inc({ status: e.status });
      if (e.tls) f.outboundTls.inc({ tls: e.tls });
      return;
    case 'outbound-tls':
      f.outboundTls.inc({ tls: e.tls });
      return;
    case 'reject':
      f.rejects.inc({ reason: e.reason, code_class: e.code >= 500 ? '5xx' : '4xx' });
      return;
    case 'postscreen':
      f.postscreen.inc({ test: e.test });
      return;
    case 'rate-limit':
      f.rateLimited.inc({ limit: LIMITS.find(([re]) => re.test(e.limit))?.[1] ?? 'other' });
      return;
    case 'auth-failed':
      f.authFailures.inc({ daemon: e.daemon, service: bounded(e.service, SERVICES) }, e.count);
      return;
    case 'verdict':
      f.verdicts.inc({ verdict: e.verdict, blocked: e.blocked ? 'true' : 'false' });
      if (e.ms !== undefined) f.scanSeconds.observe({}, e.ms / 1000);
      return;
    case 'dmarc':
      f.dmarc.inc({ result: e.result, policy: e.policy, refused: e.refused ? 'true' : 'false' });
      return;
    case 'scanner-error':
      f.scannerErrors.inc({ scope: e.all ? 'all' : 'one' });
      return;
  }
}
