import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { MasterEntry, PlanPart, RenderContext, Renderer } from '../plan.ts';
import { LOOPBACK_CLIENT, masterOptions as opts, REINJECT_SERVER } from './loopback.ts';

// Loopback ports of the SRS pass: postsrsd's two tcp tables and the reinjection smtpd. Tests move them to free ports,
// the image keeps postsrsd's own defaults.
export interface SrsPorts {
  forward: number;
  reverse: number;
  reinject: number;
}
export const SRS_PORTS: SrsPorts = { forward: 10001, reverse: 10002, reinject: 10027 };

// The transport and cleanup of the SRS pass (master.cf service names).
export const SRS_TRANSPORT = 'mta-srs';
export const SRS_CLEANUP = 'mta-srs-cleanup';
// postsrsd's unprivileged user and its chroot, as the Debian package creates them.
export const POSTSRSD_USER = 'postsrsd';
export const POSTSRSD_CHROOT = '/var/lib/postsrsd';

const pcreQuote = (s: string): string => s.replace(/[.\\/^$|?*+()[\]{}]/g, (c) => `\\${c}`);

// The domains whose senders are never rewritten: the SRS domain first (postsrsd's -d), then the other MAIL_DOMAIN
// domains (-X). postsrsd compares them exactly, as the transport map below does.
export function srsDomains(ctx: Pick<RenderContext, 'config'>): { domain: string; excluded: string[] } | undefined {
  const { config } = ctx;
  const domains = config.MAIL_DOMAIN ?? [];
  const domain = config.SRS_DOMAIN ?? domains[0];
  if (!config.SRS || !domain) return undefined;
  return { domain, excluded: domains.filter((d) => d !== domain) };
}

// Which mail takes the SRS pass, keyed by envelope sender (sender_dependent_default_transport_maps, so only mail that
// default_transport would carry off to another domain; local, virtual and relay_domains delivery never reads it):
// every sender but the null sender (bounces), unqualified ones and those of our own domains. The pass rewrites
// exactly those (postsrsd answers "not found" for the same set), so the reinjected message, now from SRS_DOMAIN,
// leaves through default_transport and never loops.
export function srsTransportTable(domains: readonly string[], reinject: number): string {
  const ours = domains.map(pcreQuote).join('|');
  return [
    '# Written by the seed (SRS=yes): mail leaving for another domain from a sender outside ours takes the SRS pass.',
    `!/^(?:<>|[^@]*|.*@(?:${ours}))$/\t${SRS_TRANSPORT}:[127.0.0.1]:${reinject}`,
    '',
  ].join('\n');
}

// postsrsd's command line, one argument a line, read by its runit service and by the tests: the secret's path
// (never the secret), the domains, loopback ports, and the user it drops to after opening the secret as root.
export function postsrsdArgs(secret: string, d: { domain: string; excluded: string[] }, ports: SrsPorts): string {
  const args = [
    `-s${secret}`,
    `-d${d.domain}`,
    ...(d.excluded.length ? [`-X${d.excluded.join(',')}`] : []),
    '-l127.0.0.1',
    `-f${ports.forward}`,
    `-r${ports.reverse}`,
    `-u${POSTSRSD_USER}`,
    `-c${POSTSRSD_CHROOT}`,
  ];
  return `${args.join('\n')}\n`;
}

// The SRS pass: the mta-srs transport hands the message to a loopback smtpd whose cleanup rewrites the envelope
// sender only (postsrsd's forward table), and nothing else: aliases were expanded, filters and milters ran in the
// first pass. Header addresses (From:) stay as they are, so DKIM signatures and DMARC alignment are untouched.
export function srsMaster(ports: SrsPorts): MasterEntry[] {
  const transport = `${SRS_TRANSPORT} unix - - n - - smtp
${opts({
  syslog_name: 'postfix/srs',
  ...LOOPBACK_CLIENT,
})}`;
  const reinject = `127.0.0.1:${ports.reinject} inet n - n - - smtpd
${opts({
  syslog_name: 'postfix/srs-reinject',
  // The SRS rewrite happens in this service's own cleanup; the original client's facts come by XFORWARD.
  cleanup_service_name: SRS_CLEANUP,
  ...REINJECT_SERVER,
  smtpd_authorized_xforward_hosts: '127.0.0.0/8',
  smtpd_proxy_filter: '',
})}`;
  const cleanup = `${SRS_CLEANUP} unix n - n - 0 cleanup
${opts({
  syslog_name: 'postfix/srs-cleanup',
  sender_canonical_maps: `tcp:127.0.0.1:${ports.forward}`,
  sender_canonical_classes: 'envelope_sender',
  recipient_canonical_maps: '',
  canonical_maps: '',
  virtual_alias_maps: '',
  masquerade_domains: '',
  always_bcc: '',
  sender_bcc_maps: '',
  recipient_bcc_maps: '',
  header_checks: '',
  mime_header_checks: '',
  nested_header_checks: '',
  body_checks: '',
  non_smtpd_milters: '',
})}`;
  return [
    { service: SRS_TRANSPORT, type: 'unix', entry: transport },
    { service: `127.0.0.1:${ports.reinject}`, type: 'inet', entry: reinject },
    { service: SRS_CLEANUP, type: 'unix', entry: cleanup },
  ];
}

// SRS=yes: forwarded mail leaves with an SRS sender, bounces to one are reversed. The reverse table is main.cf's
// recipient_canonical_maps, so smtpd also accepts a valid SRS recipient at RCPT (it is "listed" through the
// canonical map) and refuses a forged or expired one as an unknown user. With SRS=no everything goes again,
// except the secret, which stays for a later SRS=yes (and for the bounces of mail already sent).
export function srsRenderer(over: Partial<SrsPorts> = {}): Renderer {
  return (ctx: RenderContext): PlanPart => {
    const { paths } = ctx;
    const table = join(paths.postfixConf, 'mta-srs-transport.pcre');
    const d = srsDomains(ctx);
    if (!d) return { remove: [paths.srsArgs, table] };
    const ports = { ...SRS_PORTS, ...over };
    return {
      postconf: {
        sender_dependent_default_transport_maps: `pcre:${table}`,
        recipient_canonical_classes: 'envelope_recipient,header_recipient',
      },
      postconfLists: { recipient_canonical_maps: [`tcp:127.0.0.1:${ports.reverse}`] },
      master: srsMaster(ports),
      dirs: [{ path: paths.srsState, mode: 0o700, owner: 'root', group: 'root' }],
      files: [
        { path: table, content: srsTransportTable([d.domain, ...d.excluded], ports.reinject), mode: 0o644 },
        { path: paths.srsArgs, content: postsrsdArgs(paths.srsSecret, d, ports), mode: 0o644 },
        // 32 random bytes, base64: postsrsd takes the first line of the file as the HMAC key.
        {
          path: paths.srsSecret,
          content: `${randomBytes(32).toString('base64')}\n`,
          mode: 0o600,
          owner: 'root',
          group: 'root',
          ifMissing: true,
        },
      ],
    };
  };
}

export const renderSrs: Renderer = srsRenderer();
