import { join } from 'node:path';
import { type Config, GUARD_TABLE_TYPE, guardPostfixRef } from '@mta/shared';
import { saslMethods } from '../dovecot/sasl.ts';
import type { PlannedDir, PlannedFile, PlanPart, RenderContext, Renderer } from '../plan.ts';
import { DOVECOT_GATED, type DovecotGated, type GatedService, INTERNAL_ADDRESSES, moveBehindGate, PUBLIC_PORTS } from './gate.ts';
import { renderHaproxy } from './haproxy.ts';
import { limitSaslServices, POSTSCREEN_HELPERS, putPostscreenInFront } from './postscreen.ts';

// Test knobs: where haproxy listens and where the gated postfix services move to; the image uses the defaults.
export interface DefenceOptions {
  publicPorts?: Partial<Record<GatedService, string>>;
  internal?: Partial<Record<GatedService, string>>;
}

// The guard's table is kept by the guard in place (mta-guard.lmdb); this source only gives postmap an empty start.
const BANS_SOURCE =
  '# The bans of the mta guard sidecar are in mta-guard.lmdb, changed in place by the guard (mta guard ls|ban|unban),\n# never from this file.\n';

// Per-client anvil limits; loopback and mynetworks are exempt (smtpd_client_event_limit_exceptions).
function limits(config: Config): Record<string, string> {
  return {
    smtpd_client_connection_count_limit: String(config.SMTPD_CLIENT_CONNECTION_COUNT_LIMIT),
    smtpd_client_connection_rate_limit: String(config.SMTPD_CLIENT_CONNECTION_RATE_LIMIT),
    smtpd_client_message_rate_limit: String(config.SMTPD_CLIENT_MESSAGE_RATE_LIMIT),
    smtpd_client_recipient_rate_limit: String(config.SMTPD_CLIENT_RECIPIENT_RATE_LIMIT),
    smtpd_client_auth_rate_limit: String(config.SMTPD_CLIENT_AUTH_RATE_LIMIT),
  };
}

// postscreen can only refuse for good or drop, so the guard's bans are not on its access list: a banned client
// passes to smtpd, whose check_client_access answers with a temporary error.
function postscreen(config: Config): Record<string, string> {
  return {
    postscreen_access_list: 'permit_mynetworks',
    postscreen_denylist_action: 'drop',
    postscreen_greet_action: config.POSTSCREEN_GREET_ACTION,
    postscreen_dnsbl_action: config.POSTSCREEN_DNSBL_ACTION,
    postscreen_dnsbl_threshold: String(config.POSTSCREEN_DNSBL_THRESHOLD),
    postscreen_dnsbl_allowlist_threshold: String(config.POSTSCREEN_DNSBL_ALLOWLIST_THRESHOLD),
    postscreen_dnsbl_sites: config.POSTSCREEN_DNSBL_SITES ?? '',
    // data_directory is on /srv: verdicts survive re-creating the container.
    postscreen_cache_map: 'btree:$data_directory/postscreen_cache',
  };
}

// Dovecot's side: failed-login delay; behind TRUSTED_PROXIES its public listeners move to loopback behind the gate,
// and read the PROXY header only from the gate (dovecot would believe any header from the proxies themselves).
function dovecotDefences(config: Config, gated: Record<DovecotGated, string> | undefined): string {
  const lines = [
    '# Rendered by the mta seed (defences): AUTH_FAILURE_DELAY, TRUSTED_PROXIES.',
    `auth_failure_delay = ${config.AUTH_FAILURE_DELAY} secs`,
  ];
  if (gated) {
    const [host] = gated.imap.split(/:(?=\d+$)/);
    lines.push(`listen = ${host}`, `haproxy_trusted_networks = ${host}`);
    const port = (n: DovecotGated) => gated[n].slice(gated[n].lastIndexOf(':') + 1);
    const listeners = (svc: string, names: DovecotGated[]) => [
      `service ${svc} {`,
      ...names.flatMap((n) => [`  inet_listener ${n} {`, `    port = ${port(n)}`, '    haproxy = yes', '  }']),
      '}',
    ];
    lines.push(...listeners('imap-login', ['imap', 'imaps']), ...listeners('pop3-login', ['pop3', 'pop3s']));
  }
  return `${lines.join('\n')}\n`;
}

// Internet-facing defences: postscreen on 25, anvil rate limits, the guard's ban table wired into postfix's
// check_client_access (and dovecot's deny passdb, see dovecot/conf.ts), and with TRUSTED_PROXIES the PROXY-protocol
// gate (haproxy) in front of postfix's and dovecot's public ports.
export function defenceRenderer(opts: DefenceOptions = {}): Renderer {
  return (ctx: RenderContext): PlanPart => {
    const { config } = ctx;
    const { paths } = ctx;
    const bans = guardPostfixRef(paths);
    const proxies = config.TRUSTED_PROXIES ?? [];
    const sasl = ctx.variant !== 'mini' && saslMethods(config).length > 0;
    const files: PlannedFile[] = [
      { path: paths.guardPostfixTable, content: BANS_SOURCE, mode: 0o644, postmap: GUARD_TABLE_TYPE, ifMissing: true },
    ];
    const dirs: PlannedDir[] = [];
    const remove: string[] = [];
    const internal = { ...INTERNAL_ADDRESSES, ...opts.internal };
    // IMAP and POP3 exist when dovecot holds the mailboxes (LMTP delivery).
    const mailboxes = ctx.variant !== 'mini' && config.VIRTUAL_TRANSPORT.trim() === 'lmtp:unix:private/transport';
    if (ctx.variant !== 'mini') {
      const gated = proxies.length && mailboxes ? internal : undefined;
      files.push({ path: join(paths.dovecotConf, 'conf.d', '50-mta-defences.conf'), content: dovecotDefences(config, gated), mode: 0o644 });
      // The guard fills it (mta-guard --once, before dovecot starts); dovecot's auth process must be able to read it.
      dirs.push({ path: paths.guardDovecotDir, mode: 0o755 });
    }
    if (proxies.length) {
      const names: GatedService[] = [
        ...(sasl ? (['smtp', 'submission', 'smtps'] as const) : (['smtp'] as const)),
        ...(mailboxes ? DOVECOT_GATED : []),
      ];
      const routes = names.map((name) => ({ name, bind: opts.publicPorts?.[name] ?? PUBLIC_PORTS[name], to: internal[name] }));
      files.push(
        { path: paths.trustedProxies, content: `${proxies.join('\n')}\n`, mode: 0o644 },
        { path: paths.haproxyConf, content: renderHaproxy({ trustedFile: paths.trustedProxies, routes }), mode: 0o644 },
      );
    } else remove.push(paths.haproxyConf, paths.trustedProxies);
    return {
      postconf: { ...limits(config), ...(config.POSTSCREEN ? postscreen(config) : {}) },
      postconfLists: { smtpd_client_restrictions: [`check_client_access ${bans}`] },
      // The plain smtpd on 25 that the filter may replace and postscreen may put itself in front of.
      master: [{ service: 'smtp', type: 'inet', entry: 'smtp inet n - n - - smtpd' }, ...(config.POSTSCREEN ? POSTSCREEN_HELPERS : [])],
      rewriteMaster: (entries) => {
        let out = config.POSTSCREEN ? putPostscreenInFront(entries) : [...entries];
        out = limitSaslServices(out, config.SMTPD_AUTH_FAILURE_LIMIT, bans);
        return proxies.length ? moveBehindGate(out, internal, config.MYNETWORKS) : out;
      },
      files,
      dirs: proxies.length ? [...dirs, { path: join(paths.haproxyConf, '..'), mode: 0o755 }] : dirs,
      remove,
    };
  };
}

// The renderer the seed runs: well-known ports.
export const renderDefences: Renderer = defenceRenderer();
