#!/usr/bin/env node
import { runSidecar, startMilterServer } from '@mta/shared';
import { hasArc } from './arc/verify.ts';
import { containerResolver, txtLookup } from './dns.ts';
import { enforceStep } from './enforce-step.ts';
import { Reporter } from './report.ts';
import { leaveRoot, readSettings } from './settings.ts';
import { verifyStep } from './verify-step.ts';

// ARC (RFC 8617) on port 25: step one verifies the chain and removes forged Authentication-Results before opendkim
// and OpenDMARC; step two, after OpenDMARC, marks and reports the DMARC failures a trusted sealer overrode.
await runSidecar({
  name: 'arc-milter',
  failEvent: 'arc-milter.fatal',
  service: async ({ log, bus, paths }) => {
    const s = await readSettings(paths.arcMilterConf);
    const switched = await leaveRoot(s.user);
    const lookup = txtLookup(containerResolver());
    const reporter = new Reporter(log, bus);
    const onError = (err: Error) =>
      log.error({ event: 'arc-milter.error', err: err.message }, 'an ARC step failed; the message is deferred');
    const onDrop = (why: string) => log.warn({ event: 'arc-milter.dropped', why }, `dropped an MTA connection: ${why}`);
    const common = { keep: () => true, maxFields: 5000, maxFieldBytes: 512 * 1024, onError, stage: 'message' as const, rawNames: true };
    const verify = await startMilterServer({
      socket: s.verifySocket,
      onDrop,
      session: {
        ...common,
        // The body only for the newest set's body hash: a message without ARC fields costs no copy.
        wantBody: hasArc,
        macros: ['{client_addr}'],
        decide: async (m) => {
          const o = await verifyStep(m, s, lookup);
          reporter.verified(o, m.queueId);
          return o.verdict;
        },
      },
    });
    const enforce = await startMilterServer({
      socket: s.enforceSocket,
      onDrop,
      session: {
        ...common,
        decide: async (m) => {
          const o = enforceStep(m, s);
          reporter.enforced(o, m.queueId);
          return o.verdict;
        },
      },
    });
    log.info(
      {
        event: 'arc-milter.ready',
        verify: s.verifySocket,
        enforce: s.enforceSocket,
        trustedSealers: s.trustedSealers,
        uid: process.getuid?.(),
        switched,
      },
      `ARC on ${s.verifySocket} and ${s.enforceSocket}; trusted sealers: ${s.trustedSealers.join(' ') || 'none'}`,
    );
    return async () => {
      await Promise.all([verify, enforce].map((srv) => new Promise<void>((r) => srv.close(() => r()))));
    };
  },
});
