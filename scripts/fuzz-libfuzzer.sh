#!/usr/bin/env bash
# libFuzzer campaign (called by scripts/fuzz.sh, which builds first):
#   scripts/fuzz-libfuzzer.sh TARGET SECONDS JOBS OUTDIR [--import DIR]
#                             [--seeds DIR] [--dict FILE]
# Fork mode with JOBS workers, corpus in OUTDIR/corpus (seeded from
# corpus/TARGET, or --seeds DIR), findings in OUTDIR/crashes, progress every
# 15 s, summary. Flags from fuzz/TARGET.options; --dict FILE instead of its
# dict.
# --import DIR: also take the inputs another fuzzer keeps in DIR (the AFL++
# queue of `fuzz.sh --engine both`). libFuzzer reads its input directories
# only when it starts, so the campaign then runs in segments of
# LF_SEGMENT_S seconds, each starting from everything found so far.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# shellcheck source=scripts/findings.sh
. scripts/findings.sh
target=$1 secs=$2 jobs=$3 out=$4
shift 4
import=() seed_dir=$root/corpus/$target dict=""
while (($#)); do
	case $1 in
	--import) import=("${2:?}"); shift 2 ;;
	--seeds) seed_dir=${2:?}; shift 2 ;;
	--dict) dict=${2:?}; shift 2 ;;
	*) echo "fuzz-libfuzzer.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
segment=$secs
((${#import[@]})) && segment=${LF_SEGMENT_S:-600}
bin=$root/build/libfuzzer/fuzz/$target
mkdir -p "$out/corpus" "$out/crashes"
before=$(find "$out/corpus" -type f | wc -l)
seeds=$(find "$seed_dir" -type f | wc -l)
# libFuzzer flags from fuzz/<target>.options (dict resolved in dict/).
flags=()
while IFS='=' read -r key value; do
	key=$(echo "$key" | tr -d ' ') value=$(echo "$value" | tr -d ' ')
	[[ -z $key || $key == \[* || $key == \#* ]] && continue
	if [[ $key == dict ]]; then
		[[ -z $dict ]] || continue
		value=$root/dict/$value
	fi
	flags+=("-$key=$value")
done <"fuzz/$target.options"
[[ -z $dict ]] || flags+=(-dict="$dict")
flags+=(-artifact_prefix="$out/crashes/" -print_final_stats=1)
# Fork mode keeps going after a finding, so a long campaign collects them all.
flags+=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)

log=$out/libfuzzer.log
# Every finding's report and stack, written by the harness: fork mode deletes
# a job's log and passes on only its lines that say "ERROR:".
mkdir -p "$out/reports"
export VSF_REPORT_DIR=$out/reports
echo "fuzz.sh: libFuzzer on $target for ${secs}s with $jobs job(s); log $log"
start=$(date +%s)
: >"$log"
# The latest status line of the running segment (the log past line from),
# its execution count made cumulative over the segments before it (base).
latest() {
	awk -v b="$base" -v from="$from" 'NR > from && /^#[0-9]+/ { l = $0 }
		END { if (l != "") { n = l; sub(/^#/, "", n); n = n + 0
			sub(/^#[0-9]+/, "#" (n + b), l); print l } }' "$log"
}
set +e
stop=0 base=0 from=0 status=0 pid=""
trap 'stop=1; kill $pid 2>/dev/null' INT TERM
while ((!stop)); do
	left=$((secs - ($(date +%s) - start)))
	((left > 0)) || break
	from=$(wc -l <"$log") t0=$(date +%s)
	# The other fuzzer's directory, once it exists.
	dirs=("$out/corpus" "$seed_dir")
	for d in "${import[@]}"; do
		[[ -d $d ]] || continue
		dirs+=("$d")
		echo "fuzz.sh: segment from $((secs - left))s on also takes $(find "$d" -maxdepth 1 -type f | wc -l) inputs of $d"
	done
	"$bin" "${flags[@]}" -max_total_time=$((left < segment ? left : segment)) "${dirs[@]}" \
		>>"$log" 2>&1 &
	pid=$!
	# Progress: the latest status line every 15 s.
	while kill -0 $pid 2>/dev/null; do
		sleep 15 &
		wait $! 2>/dev/null
		line=$(latest)
		[[ -n $line ]] && printf '[%5ds] %s\n' $(($(date +%s) - start)) "$line"
	done
	wait $pid
	status=$?
	line=$(latest)
	[[ -z $line ]] || base=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$line")
	# A segment that fails at once (no binary, bad flags) ends the campaign.
	((status == 0 || $(date +%s) - t0 >= 5)) || break
done
set -e
elapsed=$(($(date +%s) - start))

# awk, not grep: no match is not an error under pipefail.
last=$(awk '/^#[0-9]+/ { l = $0 } END { print l }' "$log")
execs=$(awk '/stat::number_of_executed_units:/ { s += $2 } END { print s + 0 }' "$log")
[[ $execs != 0 ]] || execs=$base
cov=$(awk '{ for (i = 1; i < NF; i++) if ($i == "cov:") print $(i + 1) }' <<<"$last")
ft=$(awk '{ for (i = 1; i < NF; i++) if ($i == "ft:") print $(i + 1) }' <<<"$last")
after=$(find "$out/corpus" -type f | wc -l)
mapfile -t findings < <(find "$out/crashes" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'leak-*' -o -name 'oom-*' \) | sort)

echo
echo "==== fuzz summary: $target (libFuzzer, $jobs job(s), ${elapsed}s) ===="
echo "executions:      ${execs:-?}"
echo "exec/s:          $(awk -v e="${execs:-0}" -v t="$elapsed" 'BEGIN { printf "%.0f", t ? e / t : 0 }')"
echo "coverage:        ${cov:-?} edges, ${ft:-?} features"
echo "corpus:          $after entries in $out/corpus ($((after - before)) new this run, $seeds seeds)"
echo "findings:        ${#findings[@]}"
for f in "${findings[@]}"; do
	echo "  $f"
done
((${#findings[@]})) && echo "reproduce: $(repro_command "$target" "<file>")"
echo "log:             $log"
# libFuzzer exits non-zero on a finding; the summary says what it was.
((${#findings[@]})) && exit 1
exit $((status == 0 ? 0 : status))
