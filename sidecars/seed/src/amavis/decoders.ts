// The helper programs amavis looks for at start ("Found decoder for .zip at …"), and the one decoder it lacks.
//
// amavis has no search path of its own: without $path it finds neither file(1) nor any decoder, and then neither
// recognises a PE executable by its content nor opens an archive (the seed's amavis had Alpine's defaults). The
// programs come from Debian main (Dockerfile, scripts/install-deps): file, 7zip (zip, 7z, cab, iso, xz, …), bzip2,
// xz-utils, pax (tar, cpio), cabextract, tnef, arj, lzop and libarchive-tools (bsdtar). zip, gz and tnef also have
// decoders inside amavis. Content types come from libmagic inside each amavis child (File::LibMagic, Debian's
// libfile-libmagic-perl), which amavis prefers when it is installed: file(1) forked per message and decoding level
// cost 31 ms of CPU per message (bench/src/type-check.ts); file(1) stays as what amavis lists and falls back to.
//
// RAR: amavis expects RARLAB's non-free unrar; Debian main has none (unrar-free speaks another command line and
// Debian's 7-Zip is built without the RAR code), and neither ClamAV there. libarchive reads RAR 4 and 5, so a RAR
// is unpacked by bsdtar through the decoder below, with amavis's own limits (file count, storage quota).
const HELPER_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

// Names amavis searches in $path (amavis's variables; its defaults elsewhere are kept).
const HELPERS: readonly [variable: string, program: string][] = [
  ['file', 'file'],
  ['gzip', 'gzip'],
  ['bzip2', 'bzip2'],
  ['lzop', 'lzop'],
  ['pax', 'pax'],
  ['cabextract', 'cabextract'],
  ['tnef', 'tnef'],
  ['unarj', 'arj'],
];

// Perl, evaluated by amavis inside its config (taint mode).
// bsdtar (RAR): lists the members (every name is checked against the banned rules, also one that cannot be
// extracted), charges their size to the quota before anything is written, extracts with bsdtar (which refuses
// absolute paths, `..` and writing through links), and leaves a phantom part (undecipherable) for each member that
// did not come out, e.g. an encrypted one.
// sevenzip (7z): current 7-Zip asks for the password of an archive with encrypted headers instead of failing as
// amavis expects, so amavis took the unreadable archive for a plain file and passed it CLEAN. With an empty password
// it fails at once, and the archive is marked undecipherable (encrypted); anything else goes to amavis's own 7-Zip
// decoder. The full 7-Zip first: `7zz` in bookworm's 7zip package, `7z` in trixie's (7zz is gone there); `7za`, the
// standalone one with fewer formats, last.
const DECODERS_PERL = String.raw`{
  package Mta::Decoders;
  use strict;
  sub bsdtar {
    my($part, $tempdir, $bsdtar) = @_;
    my $fn = $part->full_name;
    my $out = "$tempdir/parts/mta-bsdtar";
    my($fh, $pid) = Amavis::ProcControl::run_command(undef, '/dev/null', $bsdtar, '-tvf', $fn);
    my(%size, @names); my $bytes = 0; my $count = 0;
    while (defined(my $ln = $fh->getline)) {
      chomp $ln;
      # -rw-r--r--  0 0      0          14 Jan  1  2025 invoice.pdf.exe
      next unless $ln =~ /^(\S)\S*\s+\d+\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\d+\s+\S+\s(.*)\z/s;
      my($kind, $len, $name) = ($1, $2, $3);
      die "Maximum number of files ($Amavis::Conf::MAXFILES) exceeded"
        if $Amavis::Conf::MAXFILES && ++$count > $Amavis::Conf::MAXFILES;
      next unless $kind eq '-';
      push(@names, $name); $size{$name} = $len; $bytes += $len;
    }
    my(undef, $listed) = Amavis::ProcControl::collect_results($fh, $pid, 'bsdtar -t', 16384);
    die "bsdtar cannot list the archive: " . Amavis::ProcControl::exit_status_str($listed)
      if !Amavis::ProcControl::proc_status_ok($listed) && !@names;
    return 0 if !@names;
    Amavis::Unpackers::NewFilename::consumed_bytes($bytes, 'mta-bsdtar-pre', 1);
    mkdir($out, 0750) or die "Can't mkdir $out: $!";
    ($fh, $pid) = Amavis::ProcControl::run_command(undef, '&1', $bsdtar, '-xf', $fn, '-C', $out, '--no-same-owner');
    my($errors) = Amavis::ProcControl::collect_results($fh, $pid, 'bsdtar -x', 16384);
    my @missing = grep { $size{$_} > 0 && !-s "$out/$_" } @names;
    my($b) = Amavis::Unpackers::flatten_and_tidy_dir($out, "$tempdir/parts", $part);
    Amavis::Unpackers::NewFilename::consumed_bytes($b, 'mta-bsdtar');
    my $placement = $part->mime_placement; my $n = 0;
    for my $name (@missing) {
      my $phantom = Amavis::Unpackers::Part->new("$tempdir/parts", $part);
      $phantom->mime_placement($placement . '/u' . ++$n);
      $phantom->name_declared($name);
      $phantom->attributes_add('U');
      $phantom->attributes_add('C') if $$errors =~ /ncrypt|passphrase|password/i;
    }
    1;
  }
  sub sevenzip {
    my($part, $tempdir, $archiver) = @_;
    my($fh, $pid) = Amavis::ProcControl::run_command(undef, '&1', $archiver, 'l', '-p', '--', $part->full_name);
    my($out) = Amavis::ProcControl::collect_results($fh, $pid, '7-Zip list', 16384);
    if ($$out =~ /Can ?not open encrypted archive/i) {
      $part->attributes_add('U', 'C');
      return 0;
    }
    Amavis::Unpackers::do_7zip($part, $tempdir, $archiver);
  }
}
unshift(@decoders,
  ['rar', \&Mta::Decoders::bsdtar, 'bsdtar'],
  ['7z', \&Mta::Decoders::sevenzip, ['7zz', '7z', '7za']],
);`;

export function renderDecoders(): string {
  return `$ENV{PATH} = $path = '${HELPER_PATH}';
${HELPERS.map(([v, p]) => `$${v} = '${p}';`).join('\n')}
${DECODERS_PERL}`;
}
