import { join } from 'node:path';
import { filterLayout } from '../amavis/layout.ts';
import type { PlanPart, RenderContext } from '../plan.ts';
import { milterHeaderChecks, spamAssassinRules } from './headers.ts';
import { arcMilterSettings, ignoreHostsFile, opendkimConf, opendmarcConf } from './milters.ts';
import { dmarcSettings } from './settings.ts';

const REPORTS_MARK = '# Rendered by the mta seed (DMARC_REPORTS=yes): OpenDMARC records its verdicts and the dmarc-reports sidecar runs.\n';

// DMARC before the queue on port 25 (DMARC_POLICY=enforce|tag, full variant): the arc-milter's verify step, opendkim,
// OpenDMARC and the arc-milter's enforce step as the public smtpd's milters (main.cf smtpd_milters; submission, the loopback reinjections and the internal services set their
// own), the verdict header logged by cleanup, and the SpamAssassin rule that sends quarantine failures down the spam
// path. With DMARC_POLICY=off every file goes, so the services do not run.
export function renderDmarc(ctx: RenderContext): PlanPart {
  const { paths } = ctx;
  const headerChecks = join(paths.postfixConf, 'mta-dmarc-header-checks.pcre');
  const { saConfDir } = filterLayout(paths);
  const saRules = join(saConfDir, 'mta-dmarc.cf');
  const s = dmarcSettings(ctx.config, paths, ctx.variant);
  if (!s)
    return {
      remove: [
        paths.opendkimConf,
        paths.opendmarcConf,
        paths.dmarcIgnoreHosts,
        headerChecks,
        saRules,
        paths.dmarcReportsConf,
        paths.arcMilterConf,
      ],
    };
  // DMARC_REPORTS: the mark the start plan runs the dmarc-reports sidecar by (OpenDMARC's HistoryFile is in its config).
  const reports = s.historyFile
    ? { files: [{ path: paths.dmarcReportsConf, content: REPORTS_MARK, mode: 0o644 }] }
    : { remove: [paths.dmarcReportsConf] };
  return {
    postconf: { milter_header_checks: `pcre:${headerChecks}` },
    // Postfix hands each milter the message as the one before left it: the arc-milter reads the chain and the
    // incoming headers first and removes forged verdicts; it sees OpenDMARC's verdict last.
    postconfLists: {
      smtpd_milters: [`unix:${s.arcVerifySocket}`, `unix:${s.opendkimSocket}`, `unix:${s.opendmarcSocket}`, `unix:${s.arcEnforceSocket}`],
    },
    dirs: [{ path: saConfDir, mode: 0o755 }],
    files: [
      { path: paths.opendkimConf, content: opendkimConf(s), mode: 0o644 },
      { path: paths.opendmarcConf, content: opendmarcConf(s, paths.dmarcIgnoreHosts), mode: 0o644 },
      { path: paths.dmarcIgnoreHosts, content: ignoreHostsFile(s), mode: 0o644 },
      { path: paths.arcMilterConf, content: arcMilterSettings(s), mode: 0o644 },
      { path: headerChecks, content: milterHeaderChecks(s), mode: 0o644 },
      { path: saRules, content: spamAssassinRules(s), mode: 0o644 },
      ...(reports.files ?? []),
    ],
    ...(reports.remove ? { remove: reports.remove } : {}),
  };
}
