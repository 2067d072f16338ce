import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RawEnv, Variant } from '../env/spec.ts';
import { nodeOf } from '../env/vars/runtime.ts';
import { onReadOnlyFs } from '../fs/readonly.ts';
import { mtaPaths } from '../paths.ts';
import { seedGate } from './gate.ts';
import { acmeWatched, SERVICES, type ServiceRule } from './services.ts';
import type { StartSettings } from './settings.ts';

// Every decision the image's shell acts on at a container start, made here once (the shell only reads it).
export interface StartPlan {
  variant: Variant;
  // This start seeds (unlock file or FORCE_CONFIG): DKIM_PRIVATEKEY may replace a key file. Decided once, by the
  // first plan of the start (before the seed removes the unlock file); read by dkim-keys from start.json.
  seeding: boolean;
  // runit services to link into $SVDIR, and the ones left out with the reason.
  services: string[];
  skipped: { name: string; why: string }[];
  // Entry steps: run, or the reason not to (empty: nothing worth saying, e.g. not this variant).
  entry: { dkimKeys: true | string; acmeWatch: true | string };
  // The local nats-server (loopback, one URL): its port, or why there is none.
  bus: { port: number; node: string } | { why: string };
  // kopano-spamd's drop folder (spamd-learn reads it as its own user, through handles opened at start).
  spamdLib: string;
  // amavis's run-time files: the amavis service passes them on its command line (shared/src/paths.ts names them).
  amavis: { run: string; pid: string; lock: string };
  // The PROXY gate's config, which the haproxy service runs.
  haproxyConf: string;
}

export interface PlanInput {
  env: RawEnv;
  settings: StartSettings;
  variant: Variant;
  root: string;
  exists?: (path: string) => boolean;
  readOnly?: (path: string) => boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost']);

// The local bus, when NATS_URL names one server on loopback (the default).
export function localBus(urls: readonly string[], node: string): StartPlan['bus'] {
  if (urls.length !== 1) return { why: 'NATS_URL names a cluster' };
  const url = new URL(urls[0] as string);
  if (!LOOPBACK.has(url.hostname)) return { why: 'NATS_URL is remote' };
  return { port: Number(url.port || 4222), node };
}

// The plan of this start: pure but for the existence checks (given in tests).
export function startPlan(i: PlanInput): StartPlan {
  const exists = i.exists ?? existsSync;
  const readOnly = i.readOnly ?? onReadOnlyFs;
  const s = i.settings;
  const built = (name: string) => exists(join(i.root, 'opt/mta/sidecars', name, 'bundle/main.js'));
  const services: string[] = [];
  const skipped: StartPlan['skipped'] = [];
  const why = (r: ServiceRule): string | undefined =>
    r.skip?.({ s, exists, readOnly, root: i.root }) ?? (r.sidecar && !built(r.name) ? 'not built into this image' : undefined);
  for (const r of SERVICES) {
    if (!r.variants.includes(i.variant)) continue;
    const reason = why(r);
    if (reason) skipped.push({ name: r.name, why: reason });
    else if (reason === undefined) services.push(r.name);
  }
  const acme =
    i.variant === 'mini'
      ? ''
      : !built('acme-watch')
        ? ''
        : s.ACME_SOURCE === 'fleet'
          ? ''
          : (acmeWatched({ s, exists, readOnly, root: i.root }) ?? true);
  const dkim =
    i.variant !== 'full' ? '' : built('dkim-keys') ? true : 'dkim-keys is not built into this image; outgoing mail will not be DKIM-signed';
  return {
    variant: i.variant,
    seeding: seedGate(i.env, i.root, exists).run,
    services,
    skipped,
    entry: { dkimKeys: dkim, acmeWatch: acme === true ? true : '' },
    bus: localBus(s.NATS_URL, s.MTA_NODE ?? nodeOf(i.env)),
    spamdLib: s.KOPANO_SPAMD_LIB,
    amavis: amavisRunFiles(i.root),
    haproxyConf: mtaPaths(i.root).haproxyConf,
  };
}

// In the container (root `/`): /run/amavis/amavisd.pid and so on.
function amavisRunFiles(root: string): StartPlan['amavis'] {
  const p = mtaPaths(root);
  return { run: p.amavisRun, pid: p.amavisPid, lock: p.amavisLock };
}

export const shq = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

// The plan as shell assignments (image/lib/start-plan sources it); one quoting rule, no logic left for the shell.
export function renderStartEnv(p: StartPlan): string {
  const bus = 'port' in p.bus ? p.bus : undefined;
  const vars: [string, string][] = [
    ['MTA_VARIANT', p.variant],
    ['MTA_SERVICES', p.services.join(' ')],
    ['MTA_SKIPPED', p.skipped.map((x) => `${x.name} (${x.why})`).join('\n')],
    ['MTA_ENTRY_DKIM', p.entry.dkimKeys === true ? '1' : '0'],
    ['MTA_ENTRY_DKIM_WHY', p.entry.dkimKeys === true ? '' : p.entry.dkimKeys],
    ['MTA_ENTRY_ACME', p.entry.acmeWatch === true ? '1' : '0'],
    ['MTA_LOCAL_BUS', bus ? '1' : '0'],
    ['MTA_LOCAL_BUS_PORT', bus ? String(bus.port) : ''],
    ['MTA_LOCAL_BUS_WHY', 'why' in p.bus ? p.bus.why : ''],
    ['MTA_BUS_NODE', bus ? bus.node : ''],
    ['MTA_SPAMD_LIB', p.spamdLib],
    ['MTA_AMAVIS_RUN', p.amavis.run],
    ['MTA_AMAVIS_PID', p.amavis.pid],
    ['MTA_AMAVIS_LOCK', p.amavis.lock],
    ['MTA_HAPROXY_CONF', p.haproxyConf],
  ];
  return `# Written by the seed at every container start (shared/src/start/plan.ts); read by the image's shell.\n${vars.map(([k, v]) => `${k}=${shq(v)}`).join('\n')}\n`;
}
