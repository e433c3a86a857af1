#!/usr/bin/env bash
# libFuzzer campaign (called by scripts/fuzz.sh, which builds first):
#   scripts/fuzz-libfuzzer.sh TARGET SECONDS JOBS OUTDIR [--import DIR]
#                             [--seeds DIR] [--dict FILE]
# JOBS in-process libFuzzer workers on one corpus, OUTDIR/corpus (seeded from
# corpus/TARGET, or --seeds DIR), each taking in what the others add
# (-reload, every second) and started again with the time left when it
# stops on a finding; findings in OUTDIR/crashes, each worker's log in
# OUTDIR/libfuzzer.N.log, progress every 15 s, summary.
# Flags from fuzz/TARGET.options; --dict FILE instead of its dict.
# (Not -fork: its short jobs, each starting a process, loading its share of
# the corpus and merging what it found, cost a third to a half of the
# executions; docs/throughput.md.)
# --import DIR: also take the inputs another fuzzer keeps in DIR (the AFL++
# queue of `fuzz.sh --engine both`). libFuzzer reads only its own corpus
# again while it runs, so the campaign then runs in segments of
# LF_SEGMENT_S seconds, each loading DIR first.
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
seeds=$(find "$seed_dir" -type f | wc -l)
mapfile -t flags < <(libfuzzer_flags "$target" "$dict")
flags+=(-artifact_prefix="$out/crashes/" -print_final_stats=1)
# Every finding's report and stack, written by the harness (a worker's log
# has them too, but the report keeps one file per finding).
mkdir -p "$out/reports"
export VSF_REPORT_DIR=$out/reports
echo "fuzz.sh: libFuzzer on $target for ${secs}s with $jobs worker(s); logs $out/libfuzzer.*.log"
start=$(date +%s)
logs=()
for ((i = 0; i < jobs; i++)); do
	logs+=("$out/libfuzzer.$i.log")
	: >"${logs[i]}"
done
merge_log=$out/libfuzzer.merge.log

# The campaign's numbers over the workers' logs. A run's executions are its
# final stats once it has ended; while it runs, its latest status line's
# count, or its average exec/s times the seconds since it started
# (run_start, one per worker) when that is more: libFuzzer prints a status
# line only on a new input and at powers of two.
# Prints "EXECS COV FT RATE": executions, the largest cov: and ft: of the
# workers' latest lines, and the sum of their running runs' exec/s.
numbers() {
	local now i
	now=$(date +%s)
	for i in "${!logs[@]}"; do
		awk -v t=$((now - ${run_start[i]:-now})) -v running="${running[i]:-0}" '
			function field(k,   j) { for (j = 1; j < NF; j++) if ($j == k) return $(j + 1) + 0; return 0 }
			/^stat::number_of_executed_units:/ { done += $2; cur = 0; rate = 0 }
			/^#[0-9]+/ { n = $1; gsub(/[^0-9]/, "", n); cur = n + 0; rate = field("exec/s:")
				c = field("cov:"); f = field("ft:"); if (c) cov = c; if (f) ft = f }
			END { if (!running) { cur = 0; rate = 0 } else if (rate * t > cur) cur = rate * t
				printf "%d %d %d %d\n", done + cur, cov, ft, rate }' "${logs[i]}"
	done | awk '{ e += $1; if ($2 > c) c = $2; if ($3 > f) f = $3; r += $4 }
		END { printf "%d %d %d %d\n", e, c, f, r }'
}
findings_now() {
	find "$out/crashes" -type f | wc -l
}
# The progress line, in the format of libFuzzer's own (campaign-report.sh
# point reads "#EXECS:" and "cov:").
progress() {
	local e c f r
	read -r e c f r < <(numbers)
	printf '#%d: cov: %d ft: %d corp: %d exec/s %d findings: %d workers: %d\n' \
		"$e" "$c" "$f" "$(find "$out/corpus" -type f | wc -l)" "$r" "$(findings_now)" "$(alive_workers)"
}
alive_workers() {
	local i n=0
	for i in "${!running[@]}"; do ((running[i])) && n=$((n + 1)); done
	echo "$n"
}

# start_worker I UNTIL [DIR...]: worker I from now until second UNTIL of the
# campaign on OUTDIR/corpus, first loading DIRs into it, appending to its log.
declare -A worker_of # pid -> worker
run_start=() running=() log_from=() quick_fails=()
start_worker() {
	local i=$1 until=$2
	shift 2
	log_from[i]=$(wc -l <"${logs[i]}")
	"$bin" "${flags[@]}" -max_total_time=$((until - ($(date +%s) - start))) "$out/corpus" "$@" \
		>>"${logs[i]}" 2>&1 &
	run_start[i]=$(date +%s) running[i]=1
	worker_of[$!]=$i
}

# A run that stopped on an input it was loading (before libFuzzer's INITED
# line) would stop on it at every start: that input leaves OUTDIR/corpus
# (its finding stays in OUTDIR/crashes), and the inputs from outside come
# in by a merge instead, which runs each in a child and leaves out one that
# crashes (and keeps it as a finding). Returns 1 for a run that got past
# loading.
drop_loading_crash() {
	local i=$1 run artifact
	run=$(tail -n +"$((log_from[i] + 1))" "${logs[i]}")
	grep -q 'INITED' <<<"$run" && return 1
	artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' <<<"$run" | tail -n 1)
	[[ -z $artifact ]] || rm -f "$out/corpus/${artifact##*-}"
	if ((!merged)); then
		"$bin" "${flags[@]}" -merge=1 "$out/corpus" "${dirs[@]}" >>"$merge_log" 2>&1
		merged=1
	fi
	return 0
}

set +e
stop=0 status=0 seg_end=0 tick=""
trap 'stop=1; kill "${!worker_of[@]}" $tick 2>/dev/null' INT TERM
before=$(find "$out/corpus" -type f | wc -l)
while ((!stop && seg_end < secs)); do
	seg_end=$(($(date +%s) - start + segment))
	((seg_end < secs)) || seg_end=$secs
	# Each segment's first runs load the seeds, and the other fuzzer's inputs
	# once its directory exists; what adds coverage is kept in OUTDIR/corpus,
	# so a run started again after a finding loads that alone.
	dirs=("$seed_dir")
	for d in "${import[@]}"; do
		[[ -d $d ]] || continue
		dirs+=("$d")
		echo "fuzz.sh: segment from $(($(date +%s) - start))s on also takes $(find "$d" -maxdepth 1 -type f | wc -l) inputs of $d"
	done
	merged=0
	for ((i = 0; i < jobs; i++)); do
		quick_fails[i]=0
		start_worker "$i" "$seg_end" "${dirs[@]}"
	done
	sleep 15 &
	tick=$!
	while ((${#worker_of[@]})); do
		gone=""
		wait -n -p gone "${!worker_of[@]}" "$tick"
		st=$?
		[[ -n ${gone:-} ]] || continue # a trapped signal (wait unsets gone)
		if [[ $gone == "$tick" ]]; then
			((!stop)) || continue
			printf '[%5ds] %s\n' $(($(date +%s) - start)) "$(progress)"
			sleep 15 &
			tick=$!
			continue
		fi
		i=${worker_of[$gone]}
		unset "worker_of[$gone]"
		running[i]=0
		now=$(($(date +%s) - start))
		((stop || now >= seg_end)) && continue
		# Stopped early: on a finding (libFuzzer wrote it to OUTDIR/crashes),
		# it goes on with the time left. One that ends within seconds with no
		# finding three times in a row (no binary, bad flags) is left stopped.
		if ! tail -n +"$((log_from[i] + 1))" "${logs[i]}" | grep -q 'Test unit written to' &&
			(($(date +%s) - run_start[i] < 5)); then
			quick_fails[i]=$((quick_fails[i] + 1))
		else
			quick_fails[i]=0
		fi
		if ((quick_fails[i] >= 3)); then
			echo "fuzz.sh: worker $i ended within 5 s with no finding three times (exit $st); see ${logs[i]}" >&2
			status=$st
			continue
		fi
		how="on a finding"
		drop_loading_crash "$i" && how="on an input it was loading"
		echo "fuzz.sh: worker $i stopped at ${now}s $how (exit $st; $(findings_now) finding(s) so far); started again"
		start_worker "$i" "$seg_end"
	done
	kill "$tick" 2>/dev/null
done
set -e
elapsed=$(($(date +%s) - start))

read -r execs cov ft _ < <(numbers)
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
echo "logs:            $out/libfuzzer.*.log"
# Non-zero on a finding; the summary says what it was.
((${#findings[@]})) && exit 1
exit $((status == 0 ? 0 : status))
