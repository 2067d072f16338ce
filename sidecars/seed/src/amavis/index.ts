import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import type { PlanPart, RenderContext, Renderer } from '../plan.ts';
import { renderAmavisdConf } from './amavisd-conf.ts';
import { renderClamdConf } from './clamd-conf.ts';
import { DEFAULT_PORTS, type FilterPorts, filterLayout } from './layout.ts';
import { filterMaster, filterPostconf, needsBeforeQueue, publicSmtpEntry } from './postfix-wiring.ts';
import { RAZOR_GATE_PM } from './razor-gate.ts';
import { filterSettings } from './settings.ts';
import { renderLocalCf } from './spamassassin.ts';

// Test knobs; the seed uses the defaults.
export interface FilterOptions {
  ports?: Partial<FilterPorts>;
  // Machine fact for sizing amavis; injected by tests.
  cpus?: number;
  amavisLogFile?: string;
  clamdLogFile?: string;
  // The master.cf service of the public SMTP port (tests listen on a free port instead of 25).
  smtpService?: string;
}

// The content filter's part of the seed plan (full variant only): amavis, SpamAssassin, clamd configs, their
// state directories, and the postfix loop postfix -> amavis -> postfix.
export function filterRenderer(opts: FilterOptions = {}): Renderer {
  return (ctx: RenderContext): PlanPart => {
    if (ctx.variant !== 'full') return {};
    const ports = { ...DEFAULT_PORTS, ...opts.ports };
    const { settings, errors } = filterSettings(ctx.config, opts.cpus ?? availableParallelism());
    if (!settings) return { errors };
    const layout = filterLayout(ctx.paths);
    const amavis = { owner: 'amavis', group: 'amavis' };
    return {
      ...(settings.hostnameNote
        ? {
            warnings: [
              `${settings.hostnameNote}: amavis uses ${settings.hostname} (it refuses a name without a domain); set HOSTNAME (docker run --hostname mx.example.com)`,
            ],
          }
        : {}),
      postconf: filterPostconf(ports, settings.maxServers),
      master: [
        ...filterMaster(ports, settings.maxServers),
        publicSmtpEntry(opts.smtpService ?? 'smtp', ports, needsBeforeQueue(settings.destiny)),
      ],
      dirs: [
        { path: ctx.paths.amavisConf, mode: 0o755 },
        { path: layout.amavisConfD, mode: 0o755 },
        { path: layout.saConfDir, mode: 0o755 },
        { path: dirname(layout.clamdConfFile), mode: 0o755 },
        // freshclam runs as clamav (its DatabaseOwner) and writes here; clamd (as amavis) only reads the signatures,
        // which may also come read-only from an updater elsewhere (freshclam then does not run: shared/src/start).
        { path: layout.clamdDb, mode: 0o755, owner: 'clamav', group: 'clamav', mayBeReadOnly: true },
        { path: layout.amavisHome, mode: 0o750, ...amavis },
        { path: layout.amavisTmp, mode: 0o750, ...amavis },
        { path: layout.amavisDb, mode: 0o750, ...amavis },
        { path: layout.amavisVar, mode: 0o750, ...amavis },
        { path: layout.razorHome, mode: 0o750, ...amavis },
        { path: dirname(ctx.paths.bayes), mode: 0o700, ...amavis },
        { path: layout.quarantine, mode: 0o750, ...amavis },
        { path: layout.clamdRun, mode: 0o750, ...amavis },
        { path: layout.amavisRun, mode: 0o750, ...amavis },
      ],
      files: [
        {
          path: layout.amavisConfFile,
          mode: 0o640,
          owner: 'root',
          group: 'amavis',
          content: renderAmavisdConf(settings, {
            layout,
            ports,
            logFile: opts.amavisLogFile ?? '',
            dkimSnippet: ctx.paths.amavisDkim,
          }),
        },
        { path: layout.saLocalCf, mode: 0o644, content: renderLocalCf(ctx.paths, layout) },
        { path: layout.saRazorGate, mode: 0o644, content: RAZOR_GATE_PM },
        { path: layout.clamdConfFile, mode: 0o644, content: renderClamdConf({ layout, logFile: opts.clamdLogFile }) },
      ],
    };
  };
}

// The renderer the seed runs: well-known ports, CPU count of this machine.
export const renderFilter: Renderer = filterRenderer();
