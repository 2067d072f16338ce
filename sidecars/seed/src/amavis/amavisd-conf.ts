import { perlList, perlStr, primaryDomain } from '@mta/shared';
import { BANNED_RULES, UNDECIPHERABLE_TAG } from './banned.ts';
import { renderDecoders } from './decoders.ts';
import type { FilterLayout, FilterPorts } from './layout.ts';
import type { FilterSettings } from './settings.ts';

// What differs between the image and a test instance.
export interface AmavisConfOptions {
  layout: FilterLayout;
  ports: FilterPorts;
  // Where amavis logs: '' (stderr, which runit passes to docker logs) in the image; a file in tests. Not /dev/stdout:
  // amavis reopens it after dropping privileges (root's pipe is not its own) and seeks it, which a pipe refuses.
  logFile: string;
  // The dkim-keys sidecar's snippet (dkim_key lines + signing map); loaded only when present.
  dkimSnippet: string;
}

// The one amavisd.conf amavis is started with (-c): everything it needs, no reliance on the distribution's conf.d.
export function renderAmavisdConf(s: FilterSettings, opts: AmavisConfOptions): string {
  const { layout: l, ports: p } = opts;
  const domains = s.domains.map((d) => `.${d}`);
  return `# Rendered by the mta seed from the environment; edits are lost on FORCE_CONFIG (use ${l.amavisLocal}).
use strict;

$myhostname = ${perlStr(s.hostname)};
$mydomain = ${perlStr(primaryDomain({ MAIL_DOMAIN: s.domains }))};
@local_domains_maps = ([${domains.map(perlStr).join(', ')}]);
@mynetworks = ${perlList(s.mynetworks)};

$daemon_user = 'amavis';
$daemon_group = 'amavis';
$MYHOME = ${perlStr(l.amavisHome)};
$helpers_home = $MYHOME;
$TEMPBASE = ${perlStr(l.amavisTmp)};
$db_home = ${perlStr(l.amavisDb)};
# Run-time state under /run (the image's amavis service passes the same paths with -P/-L, also to the configs of
# earlier versions, which had them on /srv where a killed container left them behind).
$pid_file = ${perlStr(l.amavisPid)};
$lock_file = ${perlStr(l.amavisLock)};
$enable_db = 1;
$enable_global_cache = 1;
$max_servers = ${s.maxServers};
# amavis retires a child after 20 messages by default; the replacement's start-up stalled a whole batch in
# bench/pipeline (10 instead of 18 msg/s). 250 still recycles children regularly.
$max_requests = 250;
$child_timeout = 20 * 60;

# Logging goes to stdout (docker logs), never to syslog. The start-up is logged at level 1 at least, so that it lists
# file(1) and every decoder found ("Found decoder for .zip at ..."); mail is logged at LOG_LEVEL (every connection
# starts from the base policy bank).
$do_syslog = 0;
$logfile = ${perlStr(opts.logFile)};
$log_level = ${Math.max(1, s.logLevel)};
$policy_bank{''}{log_level} = ${s.logLevel};
$sa_debug = ${s.saDebug ? 1 : 0};

# Listeners: postfix hands mail over on loopback only; the unix socket serves amavisd-release / mta quarantine.
$inet_socket_bind = '127.0.0.1';
$inet_socket_port = [${p.amavis}, ${p.originating}];
@inet_acl = qw(127.0.0.1 [::1]);
# amavis writes each reply to a pipelined command batch on its own: the later ones wait for postfix's delayed ACK,
# 40 ms of every message with the child idle (bench/pipeline). One command at a time costs a loopback round trip.
@smtpd_discard_ehlo_keywords = ('PIPELINING');
$unix_socketname = ${perlStr(l.amavisSocket)};
$interface_policy{'SOCK'} = 'AM.PDP-SOCK';
$policy_bank{'AM.PDP-SOCK'} = { protocol => 'AM.PDP', auth_required_release => 0 };
$forward_method = 'smtp:[127.0.0.1]:${p.reinject}';
$notify_method = $forward_method;

# Originating mail (mynetworks, or authenticated clients on the originating port) is DKIM-signed;
# everything else is inbound and only verified.
$interface_policy{'${p.originating}'} = 'ORIGINATING';
$policy_bank{'MYNETS'} = { originating => 1, os_fingerprint_method => undef };
$policy_bank{'ORIGINATING'} = { originating => 1, os_fingerprint_method => undef };
$enable_dkim_verification = 1;
$enable_dkim_signing = 1;

$final_virus_destiny = ${s.destiny.virus};
$final_banned_destiny = ${s.destiny.banned};
$final_spam_destiny = ${s.destiny.spam};
$final_bad_header_destiny = ${s.destiny.badHeader};
$sa_tag_level_deflt = ${s.levels.tag};
$sa_tag2_level_deflt = ${s.levels.tag2};
$sa_kill_level_deflt = ${s.levels.kill};
$sa_dsn_cutoff_level = 10;
$sa_spam_subject_tag = '***Spam*** ';
$sa_mail_body_size_limit = 400 * 1024;
$sa_local_tests_only = 0;
# local.cf (bayes_path, SPF, Razor) lives here; the distribution's .pre files load the plugins.
$sa_siteconfigpath = ${perlStr(l.saConfDir)};
$virus_admin = undef;
$spam_admin = undef;

# Blocked mail is kept for release: one file per message, spam compressed.
$QUARANTINEDIR = ${perlStr(l.quarantine)};
$quarantine_subdir_levels = 1;
$virus_quarantine_method = 'local:virus-%m';
$banned_files_quarantine_method = 'local:banned-%m';
$spam_quarantine_method = 'local:spam-%m.gz';
$bad_header_quarantine_method = 'local:badh-%m';

# Helper programs and archive decoders (decoders.ts).
${renderDecoders()}

# Banned attachments (banned.ts); the local hook loaded last may change $banned_filename_re.
${BANNED_RULES}
$undecipherable_subject_tag = ${perlStr(UNDECIPHERABLE_TAG)};

# ClamAV through clamd's unix socket. While clamd is down or still loading signatures the scan fails, amavis
# answers 4xx and postfix keeps the mail deferred: nothing passes unscanned.
@av_scanners = (
  ['ClamAV-clamd', \\&ask_daemon, ["CONTSCAN {}\\n", ${perlStr(l.clamdSocket)}],
    qr/\\bOK$/m, qr/\\bFOUND$/m, qr/^.*?: (?!Infected Archive)(.*) FOUND$/m],
);
@av_scanners_backup = ();
# Without this amavis passes mail UNCHECKED when clamd is unreachable.
$virus_scanners_failure_is_fatal = 1;

include_optional_config_files(${perlStr(opts.dkimSnippet)}, ${perlStr(l.amavisLocal)});
1;
`;
}
