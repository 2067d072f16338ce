import { DMARC_LOG_TAG } from '@mta/shared';
import type { DmarcSettings } from './settings.ts';

// The arc-milter's override mark (sidecars/arc-milter/src/verify-step.ts).
const OVERRIDE_FIELD = 'X-MTA-DMARC-Override';

const reQuote = (s: string): string => s.replace(/[.\\/^$|?*+()[\]{}]/g, (c) => `\\${c}`);

// The name of the SpamAssassin rule a failure under a quarantine policy (or reject, while only tagging) hits.
export const DMARC_SA_RULE = 'MTA_DMARC_POLICY_FAIL';

// milter_header_checks: postfix's cleanup logs OpenDMARC's verdict header (WARN), restating the verdict at the very
// end of its line, after everything the client chose (HELO, addresses): the one line per delivered message the log
// parsers read (shared/src/logs/dmarc.ts); postfix cuts the header itself short in the log. Only headers a milter
// added are checked here, never the client's own, and opendkim removed every incoming one with our authserv-id
// before OpenDMARC ran. The domain is restricted to domain characters.
export function milterHeaderChecks(s: DmarcSettings): string {
  return `# Rendered by the mta seed (DMARC_POLICY): OpenDMARC's verdict in the mail log.
/^Authentication-Results: ${reQuote(s.authservId)}; dmarc=([a-z]+) \\(p=([a-z]+) dis=([a-z]+)\\) header\\.from=([-.a-z0-9_]+)$/ WARN ${DMARC_LOG_TAG} result=$1 policy=$2 disposition=$3 domain=$4
`;
}

// The spam path of a DMARC failure: OpenDMARC's own header (our authserv-id; incoming ones with it were removed
// before the queue) saying the From domain failed under a quarantine or reject policy scores past the kill level, so
// amavis treats the message as spam and FINAL_SPAM_DESTINY decides where it goes. A failed p=reject message is
// delivered only when nothing is refused (DMARC_POLICY=tag) or when pct sampled it out, and RFC 7489 (6.6.4) then
// asks for quarantine. OpenDMARC never holds (dis=none): the policy is what counts here. A failure a trusted ARC
// sealer overrode (the arc-milter's X-MTA-DMARC-Override) is not spam.
export function spamAssassinRules(s: DmarcSettings): string {
  return `# Rendered by the mta seed (DMARC_POLICY): a failed DMARC policy of quarantine or reject counts as spam.
header   __${DMARC_SA_RULE} Authentication-Results =~ /^${reQuote(s.authservId)}; dmarc=fail \\(p=(?:quarantine|reject) /m
# ARC_TRUSTED_SEALERS: the arc-milter's mark of an override (an incoming one is removed before the milters run).
header   __${DMARC_SA_RULE}_ARC ${OVERRIDE_FIELD} =~ /^arc /
meta     ${DMARC_SA_RULE} __${DMARC_SA_RULE} && !__${DMARC_SA_RULE}_ARC
describe ${DMARC_SA_RULE} The From domain fails DMARC and asks for quarantine or reject
score    ${DMARC_SA_RULE} ${s.spamScore}
`;
}
