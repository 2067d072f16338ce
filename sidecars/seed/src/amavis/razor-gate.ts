// Razor asks its servers about every message SpamAssassin scans (the RAZOR2_CHECK and RAZOR2_CF_RANGE_* rules).
// When they cannot be reached, each message waits for Razor: until razor_timeout (5 s) when the packets to its cached
// servers are dropped, 10 s and more when the resolver does not answer (Razor's child sits in the C resolver, where
// SpamAssassin's timer cannot stop it), bench/src/razor-offline.ts. This SpamAssassin plugin is the bound: once a
// lookup got no answer, Razor is skipped by every amavis child for RAZOR_SKIP_SECONDS, doubled after each failed
// retry up to RAZOR_SKIP_MAX_SECONDS; then one message tries again. A success clears it at once.
const RAZOR_SKIP_SECONDS = 600;
const RAZOR_SKIP_MAX_SECONDS = 6 * 3600;

// The plugin (SpamAssassin, Perl, inside amavis in taint mode). Hooks: check_start (per message, before any rule)
// answers Razor's result itself while Razor is skipped; process_razor_result (the Razor2 plugin's report of each
// lookup, also a forked one) records a lookup without any answer (unreachable, timed out) or clears the record. The
// record is a file in Razor's home: its mtime is the last failure, its content the number of failures in a row.
export const RAZOR_GATE_PM = String.raw`package Mail::SpamAssassin::Plugin::MtaRazorGate;
# Rendered by the mta seed (sidecars/seed/src/amavis/razor-gate.ts).
use strict;
use warnings;
use Mail::SpamAssassin::Plugin;
use Mail::SpamAssassin::Logger qw(dbg log_message);
use Mail::SpamAssassin::Util qw(untaint_file_path);
our @ISA = qw(Mail::SpamAssassin::Plugin);

sub new {
  my ($class, $main) = @_;
  my $self = $class->SUPER::new($main);
  bless($self, $class);
  $main->{conf}->{parser}->register_commands([
    { setting => 'mta_razor_down_file', is_admin => 1, type => $Mail::SpamAssassin::Conf::CONF_TYPE_STRING },
    { setting => 'mta_razor_down_secs', is_admin => 1, default => 600, type => $Mail::SpamAssassin::Conf::CONF_TYPE_NUMERIC },
    { setting => 'mta_razor_down_max_secs', is_admin => 1, default => 21600, type => $Mail::SpamAssassin::Conf::CONF_TYPE_NUMERIC },
  ]);
  return $self;
}

sub _file {
  my ($self) = @_;
  my $f = $self->{main}->{conf}->{mta_razor_down_file};
  return defined $f && $f ne '' ? untaint_file_path($f) : undef;
}

# Failures in a row and the time of the last one, or () when Razor is not known to be down.
sub _down {
  my ($file) = @_;
  my $since = (stat $file)[9];
  return () unless defined $since;
  my $n = 1;
  if (open(my $fh, '<', $file)) {
    my $line = <$fh>;
    close($fh);
    $n = $1 if defined $line && $line =~ /^(\d+)/ && $1 > 0;
  }
  return ($n, $since);
}

sub check_start {
  my ($self, $opts) = @_;
  my $conf = $self->{main}->{conf};
  return 0 unless $conf->{use_razor2};
  my $file = $self->_file() or return 0;
  my ($n, $since) = _down($file);
  return 0 unless defined $since;
  my $skip = $conf->{mta_razor_down_secs} * 2**($n > 20 ? 20 : $n - 1);
  $skip = $conf->{mta_razor_down_max_secs} if $skip > $conf->{mta_razor_down_max_secs};
  return 0 unless time - $since < $skip;
  dbg("razor2: skipped: no Razor server answered $n time(s), the last at " . scalar(localtime($since)));
  my $pms = $opts->{permsgstatus};
  $pms->{razor2_result} = 0;
  $pms->{razor2_cf_score} = {};
  return 0;
}

sub process_razor_result {
  my ($self, $opts) = @_;
  my $file = $self->_file() or return 0;
  my ($n) = _down($file);
  if (@{ $opts->{results} || [] }) {
    if (defined $n) {
      unlink($file);
      log_message('warn', 'razor2: a Razor server answered again; Razor is used for every message');
    }
    return 0;
  }
  $n = defined $n ? $n + 1 : 1;
  if (open(my $fh, '>', $file)) {
    print $fh "$n\n";
    close($fh);
  }
  log_message('warn', "razor2: no Razor server answered; Razor is skipped for $self->{main}->{conf}->{mta_razor_down_secs} s, longer while it stays unreachable")
    if $n == 1;
  return 0;
}

1;
`;

// local.cf lines that load the plugin and point it at its state file.
export function razorGateConf(pm: string, downFile: string): string {
  return `loadplugin Mail::SpamAssassin::Plugin::MtaRazorGate ${pm}
mta_razor_down_file ${downFile}
mta_razor_down_secs ${RAZOR_SKIP_SECONDS}
mta_razor_down_max_secs ${RAZOR_SKIP_MAX_SECONDS}
`;
}
