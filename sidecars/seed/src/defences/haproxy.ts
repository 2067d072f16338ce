import { DOVECOT_GATED, type GatedService, NOT_A_CLIENT } from './gate.ts';

export interface GateConfig {
  trustedFile: string;
  // Frontends: public bind address -> the daemon's loopback address.
  routes: { name: GatedService; bind: string; to: string }[];
}

// Why the gate refused a connection, as its log line says it ("refused:<reason>").
const REFUSALS = {
  untrusted: 'not-a-trusted-proxy',
  loopback: 'proxy-header-names-loopback',
  noAddress: 'proxy-header-without-client-address',
} as const;

// IMAP IDLE may stay silent for 29 minutes (RFC 2177); SMTP sessions are postfix's to time out.
const IDLE: Record<GatedService, string> = {
  smtp: '10m',
  submission: '10m',
  smtps: '10m',
  imap: '31m',
  imaps: '31m',
  pop3: '31m',
  pop3s: '31m',
};

// One frontend. At connection time (`src` is the peer): loopback connects directly (healthcheck, local tools), a
// trusted proxy must send a PROXY header (v1 or v2), anyone else is refused. Once the header is read (`src` is what
// it names): a source that is loopback or unspecified is refused, and so is a header that kept the proxy's own
// connection address (v1 UNKNOWN, v2 LOCAL, v2 UNSPEC/UNIX/UDP families), which would make the proxy the client.
// A refusal is one log line, except for a header without a client: that is how a proxy's health check looks.
function frontend(r: GateConfig['routes'][number], trustedFile: string): string[] {
  const proxied = '{ var(sess.peer) -m found }';
  const dovecot = (DOVECOT_GATED as readonly string[]).includes(r.name);
  return [
    `frontend ${r.name}`,
    `  bind ${r.bind}`,
    `  timeout client ${IDLE[r.name]}`,
    `  acl trusted src -f ${trustedFile}`,
    '  acl local src 127.0.0.0/8 ::1',
    '  tcp-request connection set-var-fmt(sess.peer) "%[src]:%[src_port]" if trusted !local',
    '  tcp-request connection expect-proxy layer4 if trusted !local',
    `  tcp-request connection set-var(sess.refused) str(refused:${REFUSALS.untrusted}) if !trusted !local`,
    `  tcp-request session set-var(sess.refused) str(refused:${REFUSALS.loopback}) if ${proxied} { src ${NOT_A_CLIENT.join(' ')} }`,
    `  tcp-request session set-var-fmt(sess.named) "%[src]:%[src_port]" if ${proxied}`,
    `  tcp-request session set-var(sess.refused) str(refused:${REFUSALS.noAddress}) if ${proxied} { var(sess.named),strcmp(sess.peer) eq 0 }`,
    // A proxy's own health check sends v2 LOCAL: closed like the rest, but not logged every few seconds.
    `  tcp-request content set-log-level silent if { var(sess.refused) -m str refused:${REFUSALS.noAddress} }`,
    '  tcp-request content reject if { var(sess.refused) -m found }',
    `  default_backend ${r.name}`,
    `backend ${r.name}`,
    `  timeout server ${IDLE[r.name]}`,
    `  server ${dovecot ? 'dovecot' : 'postfix'} ${r.to} send-proxy-v2`,
  ];
}

// haproxy in front of postfix and dovecot: only the trusted proxies may connect, and only with a PROXY header that
// names a real client, whose address it passes on (v2). Neither daemon has a list of trusted proxies of its own
// (dovecot's trusts only the gate): each would believe any header. Refusals are logged (docker logs).
export function renderHaproxy(g: GateConfig): string {
  const lines = [
    '# Rendered by the mta seed from TRUSTED_PROXIES; FORCE_CONFIG re-renders it.',
    'global',
    '  log stderr format raw local0 info',
    '  user haproxy',
    '  group haproxy',
    'defaults',
    '  mode tcp',
    '  log global',
    '  option dontlog-normal',
    '  log-format "haproxy: %ft connection from %ci:%cp %[var(sess.refused)] (%ts)"',
    '  timeout connect 5s',
  ];
  for (const r of g.routes) lines.push(...frontend(r, g.trustedFile));
  return `${lines.join('\n')}\n`;
}
