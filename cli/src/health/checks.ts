import type { NetConnectOpts } from 'node:net';
import type { ProbeOptions } from './probe.ts';

export interface Check {
  target: NetConnectOpts;
  probe: ProbeOptions;
}

// What the container's configuration says to probe (every variant: postfix on 25).
export interface HealthFacts {
  variant: string;
  // `postconf -h content_filter` (full).
  contentFilter: string;
  // clamd.conf text, when readable (full).
  clamdConf: string | undefined;
  // `postconf -h` of queue_directory, smtpd_sasl_auth_enable, smtpd_sasl_type and smtpd_sasl_path, and
  // `postconf -P` (base, full).
  queueDirectory: string;
  saslEnabled: string;
  saslType?: string;
  saslPath: string;
  masterParams: string;
  // `postconf -h mta_submission_milters`: the milters 465/587 defer all mail without (base, full).
  submissionMilters?: string;
  // `postconf -h smtpd_milters`: port 25's milters (DMARC: the arc-milter's two steps, opendkim, OpenDMARC; full), without
  // which it defers all mail.
  smtpdMilters?: string;
  // `postconf -h recipient_canonical_maps`: with SRS=yes postsrsd's reverse table, asked at every RCPT (every variant).
  recipientCanonicalMaps?: string;
  // `postconf -h smtp_tls_policy_maps`: the MTA-STS socketmap, asked before every outbound delivery (every variant).
  tlsPolicyMaps?: string;
  // /etc/resolv.conf: names the container's own validating unbound when image/lib/resolver-setup wrote it (SMTP_DANE).
  resolvConf?: string;
}

const smtp = (what: string): ProbeOptions => ({ expect: /^220[ -]/m, what });

// The amavis port postfix hands mail to (content_filter smtp-amavis:[127.0.0.1]:10024), default 10024.
export function amavisPort(contentFilter: string): number {
  const m = contentFilter.match(/:\[?[\d.]+\]?:(\d+)$/);
  return m ? Number(m[1]) : 10024;
}

// Every dovecot auth socket an smtpd uses: SASL is on in main.cf, or (as the seed does for submission/smtps) through
// -o options in master.cf; postfix then talks to dovecot on that service's smtpd_sasl_path (relative to the queue).
// A service whose SASL type is cyrus (the sender check's) names an application, not a socket.
export function saslSockets(f: Pick<HealthFacts, 'queueDirectory' | 'saslEnabled' | 'saslType' | 'saslPath' | 'masterParams'>): string[] {
  const queue = f.queueDirectory || '/var/spool/postfix';
  const mainPath = f.saslPath || 'private/auth';
  const mainType = f.saslType || 'dovecot';
  const perService = new Map<string, Record<string, string>>();
  for (const line of f.masterParams.split('\n')) {
    const m = line.match(/^(\S+\/\S+)\/(smtpd_sasl_auth_enable|smtpd_sasl_path|smtpd_sasl_type) = (.*)$/);
    if (!m?.[1] || !m[2]) continue;
    perService.set(m[1], { ...perService.get(m[1]), [m[2]]: (m[3] ?? '').trim() });
  }
  const paths = new Set<string>();
  if (/^yes$/i.test(f.saslEnabled) && mainType === 'dovecot') paths.add(mainPath);
  for (const svc of perService.values())
    if (/^yes$/i.test(svc.smtpd_sasl_auth_enable ?? '') && (svc.smtpd_sasl_type ?? mainType) === 'dovecot')
      paths.add(svc.smtpd_sasl_path ?? mainPath);
  return [...paths].map((rel) => (rel.startsWith('/') ? rel : `${queue}/${rel}`));
}

// The milter protocol's first packet (option negotiation, version 6, everything offered): a milter answers with its
// own, whose command byte is "O".
const MILTER_HELLO = Buffer.from([0, 0, 0, 13, 0x4f, 0, 0, 0, 6, 0, 0, 0x01, 0xff, 0, 0x1f, 0xff, 0xff]);

// The milters of a postfix milter list (unix:/path, inet:host:port), as probe targets.
export function milterTargets(list: string): { target: NetConnectOpts; what: string }[] {
  const out: { target: NetConnectOpts; what: string }[] = [];
  for (const m of list.split(/[\s,]+/).filter(Boolean)) {
    const unix = /^unix:(\/\S+)$/.exec(m);
    const inet = /^inet:\[?([^\]]+?)\]?:(\d+)$/.exec(m);
    if (unix?.[1]) out.push({ target: { path: unix[1] }, what: `milter on ${unix[1]}` });
    else if (inet?.[1]) out.push({ target: { host: inet[1], port: Number(inet[2]) }, what: `milter on ${inet[1]}:${inet[2]}` });
  }
  return out;
}

// The tcp lookup tables of a postfix map list (tcp:host:port: postsrsd's, SRS=yes), as probe targets.
export function tcpTableTargets(list: string): { target: NetConnectOpts; what: string }[] {
  const out: { target: NetConnectOpts; what: string }[] = [];
  for (const m of list.split(/[\s,]+/).filter(Boolean)) {
    const t = /^tcp:\[?([^\]]+?)\]?:(\d+)$/.exec(m);
    if (t?.[1]) out.push({ target: { host: t[1], port: Number(t[2]) }, what: `tcp table on ${t[1]}:${t[2]}` });
  }
  return out;
}

// The socketmaps of a postfix map list (socketmap:unix:/path:name: the MTA-STS policy source), as probe targets,
// each with the request that asks it about "." (never a destination: answered without DNS).
export function socketmapTargets(list: string): { target: NetConnectOpts; what: string; send: string }[] {
  const out: { target: NetConnectOpts; what: string; send: string }[] = [];
  for (const m of list.split(/[\s,]+/).filter(Boolean)) {
    const t = /^socketmap:unix:(\/[^:]+):(\S+)$/.exec(m);
    if (!t?.[1] || !t[2]) continue;
    const request = `${t[2]} .`;
    out.push({ target: { path: t[1] }, what: `socketmap ${t[2]} on ${t[1]}`, send: `${Buffer.byteLength(request)}:${request},` });
  }
  return out;
}

// The line image/lib/resolver-setup writes at the top of a resolv.conf that names our unbound.
export const OWN_RESOLVER_MARK = "# mta: the container's validating resolver";
// "localhost. IN A" over TCP (length first), id "MT": unbound answers it from its own default local zone, so a
// healthy resolver answers within the probe's time even with no network; the reply repeats the id with QR set.
const DNS_LOCALHOST = Buffer.from([0, 27, 0x4d, 0x54, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, ...Buffer.from('localhost'), 0, 0, 1, 0, 1]);
const DNS_ANSWER = /^[\s\S]{2}MT[\x80-\xff]/;

// The checks of this container: the things mail depends on answer, not merely "a process exists".
export function healthChecks(f: HealthFacts): Check[] {
  const checks: Check[] = [{ target: { host: '127.0.0.1', port: 25 }, probe: smtp('postfix smtpd on 25') }];
  if (f.variant === 'full') {
    const port = amavisPort(f.contentFilter);
    checks.push({ target: { host: '127.0.0.1', port }, probe: smtp(`amavis on ${port}`) });
    const socket = f.clamdConf?.match(/^LocalSocket\s+(\S+)/m)?.[1] ?? '/run/clamav/clamd.ctl';
    checks.push({ target: { path: socket }, probe: { send: 'nPING\n', expect: /PONG/, what: `clamd on ${socket}` } });
    for (const m of milterTargets(f.smtpdMilters ?? ''))
      checks.push({ target: m.target, probe: { send: MILTER_HELLO, expect: /^[\s\S]{4}O/, what: m.what } });
  }
  // A tcp table answers any key with 200 (found), 500 (not found) or 400 (error): postsrsd "500 Not an SRS address.".
  for (const t of tcpTableTargets(f.recipientCanonicalMaps ?? ''))
    checks.push({ target: t.target, probe: { send: 'get mta-healthcheck@invalid\n', expect: /^[245]00 /, what: t.what } });
  // Without an answer from the MTA-STS source postfix defers every outbound delivery.
  for (const t of socketmapTargets(f.tlsPolicyMaps ?? ''))
    checks.push({ target: t.target, probe: { send: t.send, expect: /^\d+:(?:OK|NOTFOUND|TEMP|TIMEOUT|PERM)/, what: t.what } });
  // Every lookup of the container (postfix's MX and TLSA, the milters', SpamAssassin's) goes to our unbound when it
  // runs: without it mail neither arrives checked nor leaves.
  if (f.resolvConf?.includes(OWN_RESOLVER_MARK))
    checks.push({
      target: { host: '127.0.0.1', port: 53 },
      probe: { send: DNS_LOCALHOST, expect: DNS_ANSWER, what: 'unbound on 127.0.0.1:53' },
    });
  if (f.variant !== 'mini') {
    for (const path of saslSockets(f)) checks.push({ target: { path }, probe: { expect: /^VERSION\t/m, what: `dovecot auth on ${path}` } });
    for (const m of milterTargets(f.submissionMilters ?? ''))
      checks.push({ target: m.target, probe: { send: MILTER_HELLO, expect: /^[\s\S]{4}O/, what: m.what } });
  }
  return checks;
}
