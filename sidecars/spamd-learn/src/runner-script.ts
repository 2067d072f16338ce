// The amavis side of learning, a POSIX shell loop run as the amavis user (it owns the Bayes DB). It runs sa-learn on
// the DB and site config it was started with, and only on copies of one batch in its staging root; whoever writes
// its requests (spamd-learn, which reads kopano's folders and must not be amavis) cannot make it read anything else.
// Arguments: staging root, Bayes DB path, site config directory ('' = the packaged one), timeout in seconds.
// Requests, one per line:
//   learn <spam|ham> <max-size> <batch-name> <index>...   learns <staging>/<batch-name>/<index>.eml into the journal
//   learnsync <same>                                       merges the journal into the DB, then learns into the DB
//   sync                                                   merges the journal into the DB
// Reply to each: "<exit code> <stdout bytes> <stderr bytes>" on a line, then sa-learn's stdout and stderr.
// A refused request is exit code 64. It ends when its input closes, and stops a running sa-learn when its parent is
// gone (checked each second while sa-learn runs; the parent, no longer root, cannot signal amavis's processes).
export const RUNNER_SCRIPT = `set -u
staging=$1 db=$2 site=$3 limit=$4 parent=$PPID
tmp=\${TMPDIR:-/tmp}
# Scratch dirs of runners that were killed (-9) before they could remove theirs: the ones of a pid that is gone.
for d in "$tmp"/spamd-learn-runner.*; do
  p=\${d#"$tmp"/spamd-learn-runner.}
  if [ -d "$d" ] && [ -O "$d" ] && ! kill -0 "\${p%%.*}" 2>/dev/null; then rm -rf "$d"; fi
done
scratch=$(mktemp -d "$tmp/spamd-learn-runner.$$.XXXXXX") || exit 70
child=
trap 'rm -rf "$scratch"' EXIT
trap '[ -z "$child" ] || kill "$child" 2>/dev/null; exit 143' TERM INT HUP
reply() {
  printf '%s %s %s\n' "$1" "$(wc -c <"$scratch/out")" "$(wc -c <"$scratch/err")"
  cat "$scratch/out" "$scratch/err"
}
refuse() {
  : >"$scratch/out"
  printf 'refused: %s\n' "$1" >"$scratch/err"
  reply 64
}
orphaned() {
  read -r _ _ _ ppid _ </proc/$$/stat
  [ "$ppid" != "$parent" ]
}
watchdog() {
  while kill -0 "$1" 2>/dev/null; do
    if orphaned; then kill "$1"; exit; fi
    sleep 1
  done
}
salearn() {
  if [ -n "$site" ]; then set -- --siteconfigpath "$site" "$@"; fi
  timeout -k 10 "$limit" sa-learn --local --dbpath "$db" "$@" >"$scratch/out" 2>"$scratch/err" &
  child=$!
  watchdog "$child" &
  dog=$!
  wait "$child"
  rc=$?
  child=
  kill "$dog" 2>/dev/null
  if orphaned; then exit 143; fi
  reply "$rc"
}
while IFS=' ' read -r op kind max batch rest; do
  case $op in
  sync) salearn --sync; continue ;;
  learn) journal=--no-sync ;;
  learnsync) journal= ;;
  *) refuse request; continue ;;
  esac
  case $kind in spam | ham) ;; *) refuse kind; continue ;; esac
  case $max in '' | *[!0-9]*) refuse size; continue ;; esac
  case $batch in batch- | batch-*[!A-Za-z0-9]*) refuse batch; continue ;; batch-*) ;; *) refuse batch; continue ;; esac
  dir=$staging/$batch
  if [ ! -d "$dir" ] || [ -h "$dir" ]; then refuse batch; continue; fi
  set -f
  set -- $rest
  set +f
  n=$#
  bad=$((n == 0))
  for i do
    case $i in '' | *[!0-9]*) bad=1 ;; esac
    if [ ! -f "$dir/$i.eml" ] || [ -h "$dir/$i.eml" ]; then bad=1; fi
    set -- "$@" "$dir/$i.eml"
  done
  shift "$n"
  if [ "$bad" = 1 ]; then refuse copies; continue; fi
  # Without --no-sync, sa-learn merges the journal first, then learns into the DB: one start instead of two.
  salearn "--$kind" $journal "--max-size=$max" -- "$@"
done
`;
