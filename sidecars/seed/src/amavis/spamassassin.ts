import type { MtaPaths } from '@mta/shared';
import type { FilterLayout } from './layout.ts';
import { razorGateConf } from './razor-gate.ts';

// SpamAssassin's site config as amavis loads it. bayes_path is the contract with spamd-learn: sa-learn (run as
// the amavis user) trains exactly the DB amavis reads.
//
// SPF is checked here, by SpamAssassin's SPF plugin (loaded by the distribution's init.pre), rather than by a
// postfix policy service: it needs no extra daemon, its verdict is a score that adds up with everything else
// instead of a hard reject, and it judges the hop where mail entered our trusted network (trusted_networks),
// so it stays right behind relays. SPF_FAIL is raised so that a forged sender counts.
export function renderLocalCf(paths: MtaPaths, layout: FilterLayout): string {
  return `# Rendered by the mta seed; add your own rules in another *.cf file in this directory.
bayes_path ${paths.bayes}
bayes_file_mode 0660
use_bayes 1
bayes_auto_learn 1

use_razor2 1
razor_config ${layout.razorHome}/razor-agent.conf
# Unreachable Razor servers cost each message up to razor_timeout: skipped for a while after a lookup got no answer.
${razorGateConf(layout.saRazorGate, layout.razorDown)}
# Scores: amavis decides what to do (FINAL_SPAM_DESTINY); SpamAssassin never rewrites the message.
report_safe 0
score SPF_FAIL 3.0
score SPF_HELO_FAIL 1.0
score SPF_SOFTFAIL 1.0
`;
}
