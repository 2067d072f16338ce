import { join } from 'node:path';
import { type Config, filterBeforeQueue, type MtaPaths, type Variant } from '@mta/shared';

// What the DMARC renderers need, decided once from the configuration; undefined when DMARC is off (DMARC_POLICY=off,
// a variant without the content filter, which carries out the quarantine verdicts, or amavis before the queue on
// port 25, where milters see no content: the variable's rule warns about that).
export interface DmarcSettings {
  enforce: boolean;
  authservId: string;
  ignoreDomains: string[];
  // MYNETWORKS in the form OpenDMARC's IgnoreHosts file takes (no brackets around IPv6 addresses).
  ignoreHosts: string[];
  // SpamAssassin score of a failure under a quarantine (or, when only tagging, reject) policy: past the kill level
  // whatever else scored, so the message takes the spam destiny.
  spamScore: number;
  opendkimSocket: string;
  opendmarcSocket: string;
  // The arc-milter's two steps: first of port 25's milters (verify), last (enforce).
  arcVerifySocket: string;
  arcEnforceSocket: string;
  // ARC_TRUSTED_SEALERS: OpenDMARC's DomainWhitelist, and the sealers the arc-milter names in arc.chain.
  trustedSealers: string[];
  resolver: string;
  // DMARC_REPORTS=yes: where OpenDMARC appends each verdict (the dmarc-reports sidecar collects it).
  historyFile?: string;
}

const unbracket = (net: string): string => net.replace(/^\[([^\]]+)\]/, '$1');

export function dmarcSettings(config: Config, paths: MtaPaths, variant: Variant): DmarcSettings | undefined {
  if (variant !== 'full' || config.DMARC_POLICY === 'off' || filterBeforeQueue(config)) return undefined;
  return {
    enforce: config.DMARC_POLICY === 'enforce',
    // One id for the whole fleet: the domain every node shares, never the node's own name.
    authservId: config.AUTHSERV_ID ?? config.MAIL_DOMAIN?.[0] ?? config.HOSTNAME,
    ignoreDomains: config.DMARC_IGNORE_DOMAINS ?? [],
    ignoreHosts: config.MYNETWORKS.map(unbracket),
    spamScore: Math.ceil(config.SA_KILL_LEVEL_DEFLT) + 10,
    opendkimSocket: join(paths.opendkimRun, 'opendkim.sock'),
    opendmarcSocket: join(paths.opendmarcRun, 'opendmarc.sock'),
    arcVerifySocket: join(paths.arcMilterRun, 'verify.sock'),
    arcEnforceSocket: join(paths.arcMilterRun, 'enforce.sock'),
    trustedSealers: config.ARC_TRUSTED_SEALERS ?? [],
    resolver: paths.opendkimResolver,
    ...(config.DMARC_REPORTS ? { historyFile: join(paths.dmarcHistory, 'history') } : {}),
  };
}
