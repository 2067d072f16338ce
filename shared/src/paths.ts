import { join } from 'node:path';

// The filesystem root of an environment: MTA_ROOT when set and not empty, else `/`. The one place that reads it.
export const rootOf = (env: Readonly<Record<string, string | undefined>>): string => env.MTA_ROOT || '/';

// Where every daemon's files live. In the image root is `/`; tests point MTA_ROOT at a temp dir so nothing
// touches the host's /etc. Persistent state is under srv/ and linked from the daemons' usual paths.
export function mtaPaths(root: string) {
  const p = (...parts: string[]) => join(root, ...parts);
  return {
    root,
    srvEtc: p('srv/etc'),
    srvVar: p('srv/var'),
    // The effective configuration (shared/src/effective/): written by the seed once per seeding, read by every process.
    effective: p('srv/etc/mta/effective.json'),
    // Digests of what seeding applied that the effective file cannot hold (secrets, pass-through variables): root 0600.
    seededInputs: p('srv/etc/mta/seeded-inputs.json'),
    // The seeded values of the table variables (MAIL_BOXES, MAIL_ALIASES), which the effective file names by digest:
    // root 0600, read by the seed only.
    effectiveTables: p('srv/etc/mta/effective-tables.json'),
    // Pristine daemon configs shipped in the image; FORCE_CONFIG re-renders from these.
    pristine: p('usr/share/mta/pristine'),
    postfixConf: p('etc/postfix'),
    postfixQueue: p('var/spool/postfix'),
    postfixData: p('var/lib/postfix'),
    postfixTls: p('etc/postfix/tls'),
    mail: p('var/mail'),
    dovecotConf: p('etc/dovecot'),
    amavisConf: p('etc/amavis'),
    amavisHome: p('var/amavis'),
    // SpamAssassin Bayes DB that amavis reads; sa-learn (spamd-learn) must train exactly this one, as the amavis user.
    bayes: p('var/amavis/.spamassassin/bayes'),
    quarantine: p('var/amavis/quarantine'),
    // amavis AM.PDP socket: `mta quarantine release` (and amavisd-release) ask amavis to re-send from quarantine.
    amavisSocket: p('var/amavis/amavisd.sock'),
    // amavis's run-time state (pid and lock file): per container, never on /srv. The one place that names them: the
    // seed renders them into amavisd.conf, the amavis service passes them on its command line (start.env), and
    // reloads read the pid file (only when /proc confirms it names amavis).
    amavisRun: p('run/amavis'),
    amavisPid: p('run/amavis/amavisd.pid'),
    amavisLock: p('run/amavis/amavisd.lock'),
    dkim: p('var/db/dkim'),
    // acme-watch installs here (persisted): chain.pem = key + cert chain in ONE file for postfix
    // smtpd_tls_chain_files (a single rename swaps both atomically), cert.pem/key.pem for dovecot.
    acmeDir: p('srv/etc/ssl/acme'),
    // Seed-generated self-signed certificate (SMTPD_USE_TLS=yes without files), persisted.
    selfSignedDir: p('srv/etc/ssl/self'),
    // The one dovecot include that names the TLS files: written by the seed, rewritten by acme-watch.
    dovecotTls: p('etc/dovecot/conf.d/99-mta-tls.conf'),
    // amavis conf.d snippet with dkim_key() lines, owned by the dkim-keys sidecar.
    amavisDkim: p('etc/amavis/conf.d/60-mta-dkim'),
    run: p('run/mta'),
    // The start plan of this container start (shared/src/start/): JSON for the sidecars, shell assignments for the
    // image's scripts (image/lib/start-plan), both from one plan.
    startPlan: p('run/mta/start.json'),
    startEnv: p('run/mta/start.env'),
    // The guard's bans, one file per address (persisted), and the tables it keeps from them for postfix (an lmdb
    // table for check_client_access, updated in place: <table>.lmdb) and dovecot (a deny passdb keyed by the client
    // address, one passwd-file per MD5 prefix of it in the directory).
    guardState: p('srv/var/guard'),
    // Fleet mode: per bucket and key, the newest signed entry applied and what was retired (root only; fleet.md).
    fleetState: p('srv/var/fleet'),
    guardPostfixTable: p('etc/postfix/mta-guard'),
    guardDovecotDir: p('etc/dovecot/mta-guard'),
    // The PROXY-protocol gate in front of postfix (TRUSTED_PROXIES), rendered by the seed.
    haproxyConf: p('etc/haproxy/mta.cfg'),
    trustedProxies: p('etc/haproxy/mta-trusted-proxies.lst'),
    // Each daemon's log stream, also kept by svlogd in <logDir>/<daemon>/ (image/lib/svlog) for the guard and metrics.
    logDir: p('run/mta/log'),
    // The submission sender check (sender-milter sidecar): its settings, written by the seed when 465/587 check
    // header senders, and the directory of the milter socket smtpd connects to (made at every start, tmpfs).
    senderMilterConf: p('etc/postfix/mta-sender-milter.json'),
    senderMilterRun: p('run/mta/sender-milter'),
    // ARC on port 25 (arc-milter sidecar, DMARC_POLICY enforce|tag): its settings, written by the seed (the service
    // runs when the file exists), and its sockets' directory (made at every start, mta-arc:postfix 0750).
    arcMilterConf: p('etc/postfix/mta-arc-milter.json'),
    arcMilterRun: p('run/mta/arc-milter'),
    // SRS for forwarded mail (SRS=yes): postsrsd's arguments, written by the seed (no secret in them; the runit
    // service runs postsrsd when the file exists), and its secret, generated once at the first seeding (root, 0600;
    // postsrsd opens it as root before it drops to its own user).
    srsArgs: p('etc/postfix/mta-postsrsd.args'),
    // MTA-STS (the mta-sts sidecar): its settings, written by the seed when postfix asks it for outbound policies or
    // our own policy is published (the service runs when the file exists); the socketmap socket's directory (made at
    // every start, root:postfix 0750); the policy cache on /srv. (One destination's override: SMTP_TLS_POLICY.)
    mtaStsConf: p('etc/postfix/mta-sts.json'),
    mtaStsRun: p('run/mta/mta-sts'),
    mtaStsCache: p('srv/var/mta-sts'),
    // TLS-RPT (TLSRPT_REPORTS): the day's session counts and the sent marks, the mta-sts sidecar's like its cache.
    tlsRptState: p('srv/var/tlsrpt'),
    srsState: p('srv/var/srs'),
    srsSecret: p('srv/var/srs/secret'),
    // DMARC before the queue (DMARC_POLICY, full variant): opendkim (verify only) and OpenDMARC as milters of the
    // port-25 smtpd. Their configs are the seed's (each service runs when its file exists); the socket directories
    // are made at every start by the run scripts, entered only by the milter's user and group postfix.
    opendkimConf: p('etc/postfix/mta-opendkim.conf'),
    opendmarcConf: p('etc/postfix/mta-opendmarc.conf'),
    dmarcIgnoreHosts: p('etc/postfix/mta-dmarc-ignore-hosts'),
    opendkimRun: p('run/mta/opendkim'),
    // opendkim's resolver (libunbound) configuration, written by its run script from resolv.conf at every start;
    // root's, outside the directory opendkim owns.
    opendkimResolver: p('run/mta/opendkim-resolver.conf'),
    opendmarcRun: p('run/mta/opendmarc'),
    // DMARC aggregate reports (DMARC_REPORTS=yes): OpenDMARC appends every verdict to history/history (the
    // directory is opendmarc's, made by its run script under this root-only one); the dmarc-reports sidecar moves
    // the file aside, reads it strictly and keeps the records in records/<day>/ (root), what it sent in sent/<day>/.
    dmarcState: p('srv/var/dmarc'),
    // The seed's mark that reports are on (DMARC_REPORTS=yes at seeding): the start plan runs the sidecar while it exists.
    dmarcReportsConf: p('etc/postfix/mta-dmarc-reports.conf'),
    dmarcHistory: p('srv/var/dmarc/history'),
    // DANE (SMTP_DANE, direct delivery): the validating resolver's configuration is the seed's (the unbound service
    // runs when it exists); its forwarders are written from resolv.conf at every start (image/lib/resolver-setup),
    // and the root trust anchor it keeps current (RFC 5011) lives on /srv, owned by unbound.
    unboundConf: p('etc/postfix/mta-unbound.conf'),
    unboundForward: p('run/mta/unbound-forward.conf'),
    unboundState: p('srv/var/lib/unbound'),
    serviceDir: p('etc/service'),
  } as const;
}
export type MtaPaths = ReturnType<typeof mtaPaths>;
