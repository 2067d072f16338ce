import { mtaPaths } from '@mta/shared';
import type { PlanPart, RenderContext } from '../plan.ts';
import { outboundTls } from './dane.ts';
import { configuredHostNames } from './resolver-names.ts';

export interface UnboundConfOptions {
  // Where unbound keeps its state (the root trust anchor it keeps current).
  directory: string;
  // More `server:` lines, the trust anchors among them: the image's auto-updated root anchor; in the tests a test
  // zone's anchor (and the special-use test. domain, which unbound otherwise answers itself).
  server: string[];
  // The forwarders, written from resolv.conf at every start (image/lib/unbound-forward); absent: recurse.
  include?: string;
  port?: number;
  // The user unbound drops to after binding port 53 (empty: stays who it is, as in the tests).
  user?: string;
  // Clauses after `server:` (tests: stub zones).
  extra?: string;
}

// The validating resolver postfix trusts for DANE. postfix believes the AD bit of whatever resolv.conf names, so that
// must be this unbound on loopback, never a resolver across a network (docker's 127.0.0.11 forwards to the host's).
// Listens on 127.0.0.1 only; DNSSEC validation; bogus answers are SERVFAIL, so postfix defers instead of downgrading.
export function unboundConf(o: UnboundConfOptions): string {
  const lines = [
    'server:',
    '  interface: 127.0.0.1',
    `  port: ${o.port ?? 53}`,
    '  access-control: 127.0.0.0/8 allow',
    '  do-daemonize: no',
    `  username: "${o.user ?? ''}"`,
    '  chroot: ""',
    `  directory: "${o.directory}"`,
    '  pidfile: ""',
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 0',
    // One line per validation failure: what an operator looks for when DANE defers a delivery.
    '  val-log-level: 1',
    '  module-config: "validator iterator"',
    '  harden-dnssec-stripped: yes',
    '  do-not-query-localhost: no',
    ...o.server,
    ...(o.extra ? [o.extra] : []),
    ...(o.include ? [`include: "${o.include}"`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

// SMTP_DANE (direct delivery): the seed writes the resolver's configuration; the unbound service runs when it exists.
export function renderResolver(ctx: RenderContext): PlanPart {
  const { paths } = ctx;
  if (!outboundTls(ctx.config, ctx.env).resolver) return { remove: [paths.unboundConf] };
  // Paths as the container sees them: the seed may render under a test root, unbound always runs in the image.
  const image = mtaPaths('/');
  const content = [
    '# Written by the seed (SMTP_DANE=yes, direct delivery): the validating resolver of /etc/resolv.conf.',
    unboundConf({
      directory: image.unboundState,
      server: [
        `  auto-trust-anchor-file: "${image.unboundState}/root.key"`,
        ...configuredHostNames(ctx.config).map((n) => `  domain-insecure: "${n}"`),
      ],
      include: image.unboundForward,
      user: 'unbound',
    }),
  ].join('\n');
  return { files: [{ path: paths.unboundConf, content, mode: 0o644 }] };
}
