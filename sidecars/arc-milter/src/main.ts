#!/usr/bin/env node
import { type MessageFacts, runMilterSidecar } from '@mta/shared';
import { hasArc } from './arc/verify.ts';
import { containerResolver, txtLookup } from './dns.ts';
import { enforceStep } from './enforce-step.ts';
import { Reporter } from './report.ts';
import { readSettings } from './settings.ts';
import { verifyStep } from './verify-step.ts';

// ARC (RFC 8617) on port 25: step one verifies the chain and removes forged Authentication-Results before opendkim
// and OpenDMARC; step two, after OpenDMARC, marks and reports the DMARC failures a trusted sealer overrode.
await runMilterSidecar({
  name: 'arc-milter',
  failing: 'an ARC step',
  settings: ({ paths }) => readSettings(paths.arcMilterConf),
  // Its own user, no other group: it reaches nothing but its sockets and DNS.
  // No supplementary group at all: it reads nothing but the sender's mail and its own settings.
  user: (s) => ({ name: s.user, exactGroups: true }),
  setup: ({ log, bus }, s) => {
    const lookup = txtLookup(containerResolver());
    const reporter = new Reporter(log, bus);
    const common = { keep: () => true, maxFields: 5000, maxFieldBytes: 512 * 1024, stage: 'message' as const, rawNames: true };
    const verify = {
      ...common,
      // The body only for the newest set's body hash: a message without ARC fields costs no copy.
      wantBody: hasArc,
      macros: ['{client_addr}'],
      decide: async (m: MessageFacts) => {
        const o = await verifyStep(m, s, lookup);
        reporter.verified(o, m.queueId);
        return o.verdict;
      },
    };
    const enforce = {
      ...common,
      decide: async (m: MessageFacts) => {
        const o = enforceStep(m, s);
        reporter.enforced(o, m.queueId);
        return o.verdict;
      },
    };
    return {
      sockets: [
        { socket: s.verifySocket, session: verify },
        { socket: s.enforceSocket, session: enforce },
      ],
      ready: {
        fields: { verify: s.verifySocket, enforce: s.enforceSocket, trustedSealers: s.trustedSealers },
        msg: `ARC on ${s.verifySocket} and ${s.enforceSocket}; trusted sealers: ${s.trustedSealers.join(' ') || 'none'}`,
      },
    };
  },
});
