import { configuredDomain } from '@mta/shared';
import type { PlanPart, RenderContext } from '../plan.ts';
import { postfixTables } from './tables.ts';

// Address routing tricks (percent hack, bang paths, source routes, quoted "u@ext"@dom) never reach the relay check.
const ROUTING_TABLE = `# Written by the mta seed: recipients that try to route through this host are refused.
/[%!]/\tREJECT address routing is not allowed
/@.*@/\tREJECT address routing is not allowed
/^@/\tREJECT address routing is not allowed
`;

// Install paths and identities: the pristine main.cf may leave these empty, which postfix refuses.
export const POSTFIX_INSTALL = {
  compatibility_level: '3.7',
  mail_owner: 'postfix',
  setgid_group: 'postdrop',
  sendmail_path: '/usr/sbin/sendmail',
  newaliases_path: '/usr/bin/newaliases',
  mailq_path: '/usr/bin/mailq',
  html_directory: 'no',
  manpage_directory: '/usr/share/man',
  sample_directory: '/etc/postfix',
  readme_directory: 'no',
};

// Postfix basics every variant needs: where it keeps state, who it is, and that it is not an open relay.
export function renderPostfixCore(ctx: RenderContext): PlanPart {
  const { paths, config } = ctx;
  const primary = configuredDomain(config);
  const routing = postfixTables(paths).routing;
  const host = config.HOSTNAME;
  return {
    postconf: {
      ...POSTFIX_INSTALL,
      queue_directory: paths.postfixQueue,
      data_directory: paths.postfixData,
      ...(host?.includes('.') ? { myhostname: host } : {}),
      ...(primary ? { mydomain: primary } : {}),
      mydestination: 'localhost',
      // Relay trust: loopback unless MYNETWORKS lists more (never the container's subnets: neighbours and the docker
      // gateway, behind which every proxied internet client hides, would relay freely).
      mynetworks: config.MYNETWORKS.join(' '),
      // No local aliases database: the host's /etc/aliases is not ours, and NIS lookups only log warnings.
      alias_maps: '',
      alias_database: '',
      smtpd_banner: '$myhostname ESMTP $mail_name',
      biff: 'no',
      append_dot_mydomain: 'no',
      allow_percent_hack: 'no',
      swap_bangpath: 'no',
      disable_vrfy_command: 'yes',
      smtpd_relay_restrictions: `check_recipient_access regexp:${routing}, permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination`,
    },
    files: [{ path: routing, content: ROUTING_TABLE, mode: 0o644 }],
    dirs: [
      { path: paths.postfixConf, mode: 0o755 },
      { path: paths.postfixQueue, mode: 0o755 },
      { path: paths.postfixData, mode: 0o700, owner: 'postfix', group: 'postfix' },
    ],
  };
}
