import type { MailLogEvent, PostscreenTest, RejectClass } from './events.ts';
import type { LogLine } from './line.ts';

// Services whose traffic is internal: the hop to amavis and amavis's reinjection port.
const INTERNAL = new Set(['amavis', 'reinject']);

const SASL_FAILED = /^warning: [^[\s]*\[([^\]]+)\]: SASL \S+ authentication failed/;
const REJECT = /^(?:NOQUEUE|[0-9A-Za-z]+): reject: (\w+) from [^[\s]*\[([^\]]+)\](?::\d+)?: (\d{3}) (.*)$/;
const RATE = /^warning: (.+? (?:rate|concurrency)) limit exceeded: \d+ from [^[\s]*\[([^\]]+)\]/;
const POSTSCREEN: [RegExp, PostscreenTest][] = [
  [/^PREGREET \d+ after \S+ from \[([^\]]+)\]/, 'pregreet'],
  [/^DNSBL rank (\d+) for \[([^\]]+)\]/, 'dnsbl'],
  [/^(?:DENYLISTED|BLACKLISTED) \[([^\]]+)\]/, 'denylist'],
  [/^HANGUP after \S+ from \[([^\]]+)\]/, 'hangup'],
  [/^(?:COMMAND PIPELINING|NON-SMTP COMMAND|BARE NEWLINE) from \[([^\]]+)\]/, 'protocol'],
];
const RECEIVED = /^([0-9A-Za-z]+): client=/;
const PICKUP = /^([0-9A-Za-z]+): uid=\d+ from=/;
const DELIVERY = /^([0-9A-Za-z]+): to=<[^>]*>,.* status=(sent|bounced|deferred|expired)\b/;

// The reason class of a reject from its reply text: a bounded set for metrics and ban weights.
export function rejectClass(reply: string): RejectClass {
  const r = reply.toLowerCase();
  if (r.includes('relay access denied')) return 'relay';
  if (r.includes('user unknown')) return 'unknown-recipient';
  if (r.includes('blocked using') || r.includes('listed by')) return 'dnsbl';
  if (r.includes('client host rejected')) return 'client';
  if (r.includes('helo command rejected')) return 'helo';
  if (r.includes('sender address rejected')) return 'sender';
  if (r.includes('recipient address rejected')) return 'recipient';
  if (r.includes('protocol error') || r.includes('pipelining')) return 'protocol';
  if (r.includes('size exceeds') || r.includes('message too large')) return 'size';
  if (r.includes('too many') || r.includes('too much') || r.includes('rate')) return 'rate';
  if (r.includes('not allowed') || r.includes('access denied') || r.includes('rejected')) return 'policy';
  return 'other';
}

// One postfix line -> an event, or undefined for lines nobody consumes.
export function parsePostfix(line: LogLine): MailLogEvent | undefined {
  const { program, service, text } = line;
  if (program === 'smtpd') {
    const sasl = SASL_FAILED.exec(text);
    if (sasl) return { kind: 'auth-failed', daemon: 'postfix', service, ip: sasl[1] as string, count: 1 };
    const rate = RATE.exec(text);
    if (rate) return { kind: 'rate-limit', service, ip: rate[2] as string, limit: (rate[1] as string).toLowerCase() };
    const rcv = RECEIVED.exec(text);
    if (rcv) return INTERNAL.has(service) ? undefined : { kind: 'received', service, queueId: rcv[1] as string };
  }
  if (program === 'smtpd' || program === 'postscreen') {
    const rej = REJECT.exec(text);
    if (rej) {
      const code = Number(rej[3]);
      return {
        kind: 'reject',
        service,
        ip: rej[2] as string,
        stage: (rej[1] as string).toUpperCase(),
        code,
        reason: rejectClass(rej[4] as string),
      };
    }
  }
  if (program === 'postscreen') {
    for (const [re, test] of POSTSCREEN) {
      const m = re.exec(text);
      if (!m) continue;
      return test === 'dnsbl'
        ? { kind: 'postscreen', test, ip: m[2] as string, rank: Number(m[1]) }
        : { kind: 'postscreen', test, ip: m[1] as string };
    }
    return undefined;
  }
  if (program === 'pickup') {
    const m = PICKUP.exec(text);
    return m ? { kind: 'received', service: 'pickup', queueId: m[1] as string } : undefined;
  }
  const d = DELIVERY.exec(text);
  if (d) {
    const status = d[2] as 'sent' | 'bounced' | 'deferred' | 'expired';
    return { kind: 'delivery', queueId: d[1] as string, status, internal: INTERNAL.has(service) };
  }
  return undefined;
}
