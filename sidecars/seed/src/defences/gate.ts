import type { MasterEntry } from '../plan.ts';

// The public postfix services the PROXY gate can front, and the loopback addresses they move to behind it.
export type GatedService = 'smtp' | 'submission' | 'smtps';
export const PUBLIC_PORTS: Record<GatedService, string> = { smtp: ':25', submission: ':587', smtps: ':465' };
export const INTERNAL_ADDRESSES: Record<GatedService, string> = {
  smtp: '127.0.0.1:10125',
  submission: '127.0.0.1:10587',
  smtps: '127.0.0.1:10465',
};

const command = (e: MasterEntry): string | undefined => e.entry.split('\n')[0]?.trim().split(/\s+/)[7];

// Moves each public service present to its loopback address with the PROXY protocol on (postscreen or smtpd reads
// the header haproxy sends), and removes the public entry so haproxy can bind the port.
export function moveBehindGate(entries: readonly MasterEntry[], internal: Record<GatedService, string>): MasterEntry[] {
  const out: MasterEntry[] = [];
  for (const e of entries) {
    const name = e.service as GatedService;
    if (e.type !== 'inet' || !(name in internal) || !e.entry) {
      out.push(e);
      continue;
    }
    const [head = '', ...rest] = e.entry.replace(/\n+$/, '').split('\n');
    const param = command(e) === 'postscreen' ? 'postscreen_upstream_proxy_protocol' : 'smtpd_upstream_proxy_protocol';
    const moved = [head.replace(/^\S+/, internal[name]), ...rest.filter((l) => !l.includes(`-o ${param}=`)), `  -o ${param}=haproxy`];
    out.push({ service: e.service, type: 'inet', entry: '' }, { service: internal[name], type: 'inet', entry: moved.join('\n') });
  }
  return out;
}

export interface GateConfig {
  trustedFile: string;
  // Frontends: public bind address -> postfix's loopback address.
  routes: { name: GatedService; bind: string; to: string }[];
}

// haproxy in front of postfix: only the trusted proxies may connect, and only with a PROXY header (v1 or v2), whose
// address it passes on to postfix (v2). Loopback connects directly (healthcheck, local tools). postfix itself has
// no list of trusted proxies: it would believe a header from anyone. Refusals are logged (docker logs).
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
    '  timeout client 10m',
    '  timeout server 10m',
  ];
  for (const r of g.routes)
    lines.push(
      `frontend ${r.name}`,
      `  bind ${r.bind}`,
      `  acl trusted src -f ${g.trustedFile}`,
      '  acl local src 127.0.0.0/8 ::1',
      '  tcp-request connection expect-proxy layer4 if trusted !local',
      '  tcp-request connection set-var(sess.refused) str(refused:not-a-trusted-proxy) if !trusted !local',
      '  tcp-request content reject if { var(sess.refused) -m found }',
      `  default_backend ${r.name}`,
      `backend ${r.name}`,
      `  server postfix ${r.to} send-proxy-v2`,
    );
  return `${lines.join('\n')}\n`;
}
