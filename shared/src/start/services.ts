import { dirname, join } from 'node:path';
import { ALL, BASE_UP, FULL, type Variant } from '../env/spec.ts';
import { mtaPaths } from '../paths.ts';
import type { StartSettings } from './settings.ts';

// One runit service of the image (image/service/<name>) and when a container runs it. A new sidecar service is one
// more entry here plus its image/service/<name>/run: the shell only links what the start plan lists.
export interface ServiceRule {
  name: string;
  variants: readonly Variant[];
  // A Node sidecar: runs only when its bundle is built into this image.
  sidecar?: boolean;
  // Why this container does not need it (a feature not configured), or undefined; '' leaves it out unmentioned.
  skip?: (config: RuleInput) => string | undefined;
}

// What a rule may look at: the start settings, and files (absolute container paths, or under root).
export interface RuleInput {
  s: StartSettings;
  exists: (path: string) => boolean;
  // True when the path is on a read-only file system (a `:ro` volume).
  readOnly: (path: string) => boolean;
  root: string;
}

// The signatures clamd loads and freshclam updates (the image's /var/lib/clamav, linked to /srv/var/lib/clamav).
const CLAMAV_DB = 'var/lib/clamav';

// Whether acme-watch has something to watch: the directory of ACME_FILE, or the fleet's certificates.
export const acmeWatched = ({ s, exists }: RuleInput): string | undefined =>
  exists(dirname(s.ACME_FILE)) || s.ACME_SOURCE === 'fleet' ? undefined : `${dirname(s.ACME_FILE)} does not exist`;

export const SERVICES: readonly ServiceRule[] = [
  // DANE's validating resolver runs when the seed wired it (SMTP_DANE=yes with direct delivery at seeding time):
  // postfix's resolv.conf names it (entry step 28-mta-resolver), so DNS fails without it, whatever the environment says now.
  { name: 'unbound', variants: ALL, skip: ({ exists, root }) => (exists(mtaPaths(root).unboundConf) ? undefined : '') },
  { name: 'postfix', variants: ALL },
  // The PROXY-protocol gate exists when the seed rendered it (TRUSTED_PROXIES at seeding time): postfix then listens
  // on loopback only, so the gate must run whatever the environment says now.
  { name: 'haproxy', variants: ALL, skip: ({ exists, root }) => (exists(mtaPaths(root).haproxyConf) ? undefined : '') },
  { name: 'guard', variants: ALL, sidecar: true, skip: ({ s }) => (s.GUARD ? undefined : 'GUARD=no') },
  { name: 'metrics', variants: ALL, sidecar: true, skip: ({ s }) => (s.METRICS ? undefined : 'METRICS=no') },
  // SRS runs when the seed wired it (SRS=yes at seeding time: its argument file exists): postfix asks it for every
  // recipient at RCPT and every forwarded sender, and defers that mail while it is down.
  { name: 'postsrsd', variants: ALL, skip: ({ exists, root }) => (exists(join(root, 'etc/postfix/mta-postsrsd.args')) ? undefined : '') },
  // MTA-STS runs when the seed wired it (MTA_STS without a relay, or a published policy, at seeding time): postfix
  // then asks it for the TLS policy of every destination and defers mail while it is down.
  { name: 'mta-sts', variants: ALL, sidecar: true, skip: ({ exists, root }) => (exists(mtaPaths(root).mtaStsConf) ? undefined : '') },
  { name: 'dovecot', variants: BASE_UP },
  { name: 'acme-watch', variants: BASE_UP, sidecar: true, skip: acmeWatched },
  // The submission sender check runs when the seed wired it (SASL with SMTPD_SASL_SENDER_CHECK at seeding time):
  // postfix then defers every submission while it is down, whatever the environment says now.
  {
    name: 'sender-milter',
    variants: BASE_UP,
    sidecar: true,
    skip: ({ exists, root }) => (exists(mtaPaths(root).senderMilterConf) ? undefined : ''),
  },
  // The DMARC milters run when the seed wired them (DMARC_POLICY enforce or tag at seeding time): the public smtpd
  // then defers mail while they are down (milter_default_action=tempfail), whatever the environment says now.
  {
    name: 'arc-milter',
    variants: FULL,
    sidecar: true,
    skip: ({ exists, root }) => (exists(mtaPaths(root).arcMilterConf) ? undefined : ''),
  },
  { name: 'opendkim', variants: FULL, skip: ({ exists, root }) => (exists(mtaPaths(root).opendkimConf) ? undefined : '') },
  { name: 'opendmarc', variants: FULL, skip: ({ exists, root }) => (exists(mtaPaths(root).opendmarcConf) ? undefined : '') },
  // DMARC aggregate reports (DMARC_REPORTS=yes at seeding time: the seed's mark exists): collects OpenDMARC's history.
  {
    name: 'dmarc-reports',
    variants: FULL,
    sidecar: true,
    skip: ({ exists, root }) => (exists(mtaPaths(root).dmarcReportsConf) ? undefined : ''),
  },
  { name: 'amavis', variants: FULL },
  { name: 'clamd', variants: FULL },
  // A read-only signature volume belongs to an updater elsewhere (often one for a whole fleet): freshclam could not
  // write there, and clamd picks up the updater's files by itself (SelfCheck).
  {
    name: 'freshclam',
    variants: FULL,
    skip: ({ readOnly, root }) =>
      readOnly(join(root, CLAMAV_DB))
        ? `/${CLAMAV_DB} is read-only: the signatures there are used as they are and clamd reloads them when their owner updates them`
        : undefined,
  },
  { name: 'sa-update', variants: FULL },
  { name: 'dkim-keys', variants: FULL, sidecar: true },
  {
    name: 'spamd-learn',
    variants: FULL,
    sidecar: true,
    skip: ({ s, exists }) => (exists(s.KOPANO_SPAMD_LIB) ? undefined : `${s.KOPANO_SPAMD_LIB} does not exist`),
  },
];
