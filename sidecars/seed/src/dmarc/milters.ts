import { DMARC_REJECT_TEXT } from '@mta/shared';
import type { DmarcSettings } from './settings.ts';

// Debian's public suffix list (package publicsuffix): the organizational domain is found offline.
export const PUBLIC_SUFFIX_LIST = '/usr/share/publicsuffix/public_suffix_list.dat';
// The milters' unprivileged users, as the Debian packages create them.
export const OPENDKIM_USER = 'opendkim';
export const OPENDMARC_USER = 'opendmarc';

const lines = (o: Record<string, string>): string =>
  `${Object.entries(o)
    .map(([k, v]) => `${k} ${v}`)
    .join('\n')}\n`;

// What both milters share: a unix socket whose directory is the gate (UMask 0), their own Debian user, runit as the
// supervisor (foreground) and svlogd as the log (stderr, no syslog), no software name in headers. The two spell
// booleans differently (opendkim yes/no, OpenDMARC true/false).
const milterBase = (socket: string, user: string, off: 'no' | 'false'): Record<string, string> => ({
  Socket: `local:${socket}`,
  UMask: '0000',
  UserID: `${user}:${user}`,
  Background: off,
  Syslog: off,
  SoftwareHeader: off,
});

// opendkim in verify mode only (amavis signs outbound mail): it writes the dkim= result OpenDMARC reads. It removes no
// Authentication-Results header: the arc-milter, which runs before it, already removed every incoming one that names
// our authserv-id, and the one it added (arc=) must reach OpenDMARC. A signer's broken DNS or key is a dkim= result,
// never a deferral. The socket's directory is opendkim:postfix 0750.
export function opendkimConf(s: DmarcSettings): string {
  return `# Rendered by the mta seed (DMARC_POLICY): DKIM verification before the queue on port 25.
${lines({
  Mode: 'v',
  ...milterBase(s.opendkimSocket, OPENDKIM_USER, 'no'),
  // libunbound's configuration: the container's resolvers (image/lib/unbound-forward, run at every start).
  ResolverConfiguration: s.resolver,
  AuthservID: s.authservId,
  AlwaysAddARHeader: 'yes',
  'On-Default': 'accept',
  'On-BadSignature': 'accept',
  'On-DNSError': 'accept',
  'On-KeyNotFound': 'accept',
  'On-NoSignature': 'accept',
  'On-SignatureError': 'accept',
  'On-Security': 'accept',
  'On-InternalError': 'tempfail',
})}`;
}

// OpenDMARC judges the From domain from opendkim's header (TrustedAuthservIDs: ours only, and opendkim removed
// every forged one) and its own SPF check of the client and envelope sender (SPFIgnoreResults: a Received-SPF
// header from outside is never believed). Quarantine is not held in postfix: the header goes on and SpamAssassin
// scores it, so the spam destiny decides. No failure reports. With DMARC_REPORTS=yes every verdict goes to the
// history file (HistoryFile, RecordAllMessages: also those of domains without a record, which ask for no report but
// are kept with the rest), which the dmarc-reports sidecar collects; OpenDMARC defers a message it cannot record.
// ARC: OpenDMARC 1.4.2 accepts a failure it would refuse when a trusted header (ours: the arc-milter's) says arc=pass
// with an arc.chain whose every domain is in DomainWhitelist (ARC_TRUSTED_SEALERS); the arc-milter writes arc.chain
// only for a trusted newest sealer that saw the From domain pass.
export function opendmarcConf(s: DmarcSettings, ignoreHostsFile: string): string {
  return `# Rendered by the mta seed (DMARC_POLICY=${s.enforce ? 'enforce' : 'tag'}): DMARC verdicts before the queue on port 25.
${lines({
  ...milterBase(s.opendmarcSocket, OPENDMARC_USER, 'false'),
  AuthservID: s.authservId,
  TrustedAuthservIDs: s.authservId,
  PublicSuffixList: PUBLIC_SUFFIX_LIST,
  IgnoreHosts: ignoreHostsFile,
  IgnoreAuthenticatedClients: 'true',
  ...(s.ignoreDomains.length ? { IgnoreMailFrom: s.ignoreDomains.join(',') } : {}),
  SPFSelfValidate: 'true',
  SPFIgnoreResults: 'true',
  RejectFailures: s.enforce ? 'true' : 'false',
  // The log parsers anchor on this text, which comes before the From domain (%s).
  RejectString: `${DMARC_REJECT_TEXT}: %s`,
  HoldQuarantinedMessages: 'false',
  RequiredHeaders: 'false',
  FailureReports: 'false',
  ...(s.historyFile ? { HistoryFile: s.historyFile, RecordAllMessages: 'true' } : {}),
  ...(s.trustedSealers.length ? { DomainWhitelist: s.trustedSealers.join(',') } : {}),
})}`;
}

// Hosts whose mail is not judged: MYNETWORKS, one a line.
export const ignoreHostsFile = (s: DmarcSettings): string =>
  `# Rendered by the mta seed: MYNETWORKS, whose mail DMARC does not judge.\n${s.ignoreHosts.join('\n')}\n`;

// The arc-milter's settings (sidecars/arc-milter/src/settings.ts); its service runs when the file exists.
export const ARC_MILTER_USER = 'mta-arc';
export const arcMilterSettings = (s: DmarcSettings): string =>
  `${JSON.stringify(
    {
      authservId: s.authservId,
      trustedSealers: s.trustedSealers,
      enforce: s.enforce,
      verifySocket: s.arcVerifySocket,
      enforceSocket: s.arcEnforceSocket,
      user: ARC_MILTER_USER,
    },
    null,
    2,
  )}\n`;
