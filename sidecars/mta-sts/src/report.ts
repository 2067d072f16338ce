import type { Bus, Logger } from '@mta/shared';
import type { Decision } from './answer.ts';
import type { StsReport } from './resolve.ts';

// The class of an answer, for events and metrics: enforce, dane (DANE decides), testing (logged only), none (no policy).
export const answerClass = (d: Decision, mode: string | undefined): string =>
  d.kind === 'enforce' ? 'enforce' : d.kind === 'dane' ? 'dane' : mode === 'testing' ? 'testing' : 'none';

// Logs name the destination domain (the operator's view, docker logs); bus events and the metrics read from the log
// carry classes only, never a domain that is not ours. Answers are logged when they change for a domain, not per
// lookup: postfix asks once per delivery.
export function stsReport(log: Logger, bus: Bus | undefined): StsReport {
  const last = new Map<string, string>();
  return {
    fetched: (domain, mode, changed) => {
      log.info({ event: 'mtasts.fetched', domain, mode, changed }, `MTA-STS policy of ${domain}: ${mode}${changed ? '' : ' (unchanged)'}`);
      bus?.publish('mta.mtasts.fetched', { mode, changed });
    },
    fetchFailed: (domain, failure, reason) => {
      log.warn({ event: 'mtasts.fetch_failed', domain, failure, reason }, `MTA-STS policy of ${domain} not fetched: ${reason}`);
      bus?.publish('mta.mtasts.fetch_failed', { failure });
    },
    answered: (domain, d, mode) => {
      const cls = answerClass(d, mode);
      if (last.get(domain) === cls) return;
      if (last.size >= 50_000) last.clear();
      last.set(domain, cls);
      if (cls === 'none' && mode === undefined) return;
      const what: Record<string, string> = {
        enforce: 'TLS with a verified certificate of its MX names is required',
        dane: 'its MX hosts have DNSSEC-signed TLSA records: DANE decides, not MTA-STS',
        testing: 'testing policy: delivery as usual, TLS failures are only logged',
        none: 'policy mode none: delivery as usual',
      };
      log.info({ event: 'mtasts.policy', domain, answer: cls }, `MTA-STS for ${domain}: ${what[cls]}`);
      bus?.publish('mta.mtasts.policy', { answer: cls });
    },
  };
}
