import type { DmarcPolicySeen, DmarcResult, MailLogEvent } from './events.ts';

// DMARC verdicts (DMARC_POLICY, sidecars/seed/src/dmarc/) as postfix's cleanup logs them, one line per judged message:
// - delivered: the milter-header-warning line for OpenDMARC's Authentication-Results header, which the seed's
//   milter_header_checks rule matches and restates at the very end of the line as
//   `mta-dmarc result=… policy=… disposition=… domain=…`, after everything the client chose (HELO, addresses);
// - refused: the milter-reject line with OpenDMARC's reply, which the seed sets (RejectString); the From domain
//   follows it, then the envelope.
// Both start at the queue id, where only postfix writes, and a client cannot make cleanup log either line for a
// header it sent (milter_header_checks sees only milter-added headers; opendkim removed incoming ones with our id).
const DMARC_RESULTS: readonly DmarcResult[] = ['pass', 'fail', 'none', 'temperror', 'permerror'];
const DMARC_POLICIES_SEEN: readonly DmarcPolicySeen[] = ['none', 'quarantine', 'reject'];

// The words the seed puts into postfix's and OpenDMARC's configuration (sidecars/seed/src/dmarc/), for these parsers.
export const DMARC_LOG_TAG = 'mta-dmarc';
export const DMARC_REJECT_TEXT = 'message refused: it fails DMARC and the From domain publishes p=reject';

const IP = '[0-9A-Fa-f:.]+';
const DOMAIN = '[-.A-Za-z0-9_]+';
const TAGGED = new RegExp(
  `^([0-9A-Za-z]+): milter-header-warning: header Authentication-Results: .*: ${DMARC_LOG_TAG} result=([a-z]+) policy=([a-z]+) disposition=([a-z]+) domain=(${DOMAIN})$`,
);
const REFUSED = new RegExp(
  `^([0-9A-Za-z]+): milter-reject: END-OF-MESSAGE from [\\w.-]+\\[${IP}\\](?::\\d+)?: 5\\.7\\.1 ${DMARC_REJECT_TEXT.replace(/[.=]/g, '\\$&')}: (${DOMAIN}); from=<`,
);

const oneOf = <T extends string>(known: readonly T[], v: string): T | 'other' =>
  (known as readonly string[]).includes(v) ? (v as T) : 'other';

// One cleanup line -> the DMARC verdict it records, or undefined.
export function parseDmarc(text: string): MailLogEvent | undefined {
  const t = TAGGED.exec(text);
  if (t)
    return {
      kind: 'dmarc',
      queueId: t[1] as string,
      result: oneOf(DMARC_RESULTS, t[2] as string),
      policy: oneOf(DMARC_POLICIES_SEEN, t[3] as string),
      refused: false,
      domain: (t[5] as string).toLowerCase(),
    };
  const r = REFUSED.exec(text);
  if (r)
    return {
      kind: 'dmarc',
      queueId: r[1] as string,
      result: 'fail',
      policy: 'reject',
      refused: true,
      domain: (r[2] as string).toLowerCase(),
    };
  return undefined;
}
