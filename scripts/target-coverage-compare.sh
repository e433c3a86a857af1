#!/usr/bin/env bash
# Coverage-guided against black-box, on our own program (docs/target-coverage.md):
# for each bug-zoo canary that docs/target-canaries.md lists as caught from
# outside, one AFL++ campaign of fuzz_frontend_process against
# vhost-shmem-frontend with the canary on in the target only, each way:
#   guided     the program's canary-afl build (afl-clang-fast, ASan): its
#              edges reach the campaign's map (lib.sh's target_coverage)
#   black-box  its canary build (clang, ASan, no AFL++ instrumentation): the
#              map holds the driver's own edges only, as against QEMU
# The same driver (afl preset), profile, seeds, dictionary and time; the two
# campaigns of a canary run side by side, so both meet the same load.
# Seeds, per canary: the committed corpora of the harnesses (corpus/<harness>/;
# the canaries' reproducers live apart, in corpus/canaries/) minus every seed
# that finds the canary by itself (a replay with the canary on). AFL++ starts
# without calibrating them (AFL_NO_STARTUP_CALIBRATION), the custom mutator
# on, no CMPLOG, as scripts/fuzz.sh --frontend-cmd runs it.
#
#   scripts/target-coverage-compare.sh [--seconds 180] [--out DIR] [--table] [CANARY...]
#
# A finding is an oracle violation the driver reported (a report in the
# campaign's reports/); its time is the report's, from afl-fuzz's start. It
# is the canary's when it names the canary's oracle as docs/target-canaries.md
# does, the whole `[...]` (findings.sh's caught_by: for target-died, the
# sanitizer's words or the internal bug's place too),
# except a liveness finding at a `wait` op: the driver makes those with the
# canary off too (docs/target-coverage.md). Each cell's result is a line of
# OUT/results.tsv (default target-coverage-out/), written as the cell ends; a
# rerun skips the cells already there. At the end the table, in Markdown, on
# stdout and in OUT/table.md; --table only writes it (from the cells' reports,
# with the rule above).
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# shellcheck source=scripts/findings.sh
. scripts/findings.sh

secs=180 out=target-coverage-out canaries=() table_only=0
while (($#)); do
	case $1 in
	--seconds) secs=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--table) table_only=1; shift ;;
	-h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "target-coverage-compare.sh: unknown option $1" >&2; exit 2 ;;
	*) canaries+=("$1"); shift ;;
	esac
done
out=$(abs "$out")
mkdir -p "$out"

# The canaries caught from outside, each with the oracle that caught it
# ("by" of docs/target-canaries.md's table: `[oracle...]`).
declare -A oracle_of
while IFS='|' read -r _ c _ caught by _; do
	c=$(xargs <<<"$c")
	[[ $(xargs <<<"$caught") == yes ]] || continue
	oracle_of[$c]=$(grep -oE '\[[^]]*\]' <<<"$by" | head -n 1)
done < <(grep -E '^\| [a-z-]+ \| fuzz_' docs/target-canaries.md)
((${#canaries[@]})) || mapfile -t canaries < <(printf '%s\n' "${!oracle_of[@]}" | sort)
for c in "${canaries[@]}"; do
	[[ -n ${oracle_of[$c]:-} ]] || { echo "target-coverage-compare.sh: $c is not caught from outside" >&2; exit 2; }
done


# findings DIR CANARY: "FIRST-S FIRST-ORACLE CANARY-S N", tab-separated, from
# the reports of the campaign in DIR (- where there is none), seconds from
# its start.
findings() {
	local dir=$1 start first=- first_oracle=- hit=- n=0 t r by o
	start=$(cat "$dir/start")
	while read -r t r; do
		grep -q 'ORACLE VIOLATION \[' "$r" || continue
		by=$(caught_by "$r")
		o=${by%%\` at op *} o=${o#\`}
		n=$((n + 1))
		[[ $first != - ]] || first=$((t - start)) first_oracle=$o
		[[ $hit == - && $o == "${oracle_of[$2]}" && $by != "\`[liveness]\` at op "*" (wait)" ]] && hit=$((t - start))
	done < <(find "$dir/afl/reports" -name 'report-*.txt' -printf '%T@ %p\n' 2>/dev/null | sort -n |
		awk '{ printf "%d %s\n", $1, $2 }')
	printf '%s\t%s\t%s\t%s\n' "$first" "$first_oracle" "$hit" "$n"
}

# table: the results in Markdown, a row per campaign; "found" and "its
# oracle" from the reports, the edges from AFL++'s fuzzer_stats.
table() {
	local c mode f h n dir
	echo "| canary | its oracle from outside | mode | found | first finding (s) | its oracle (s) | findings | execs | edges in the map | seeds | load (1, 5 min) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for c in "${canaries[@]}"; do
		for mode in guided black-box; do
			dir=$out/$c/$mode
			if [[ ! -f $dir/start ]] || ! done_cell "$c" "$mode"; then
				continue
			fi
			IFS=$'\t' read -r f _ h n <<<"$(findings "$dir" "$c")"
			awk -F'\t' -v c="$c" -v m="$mode" -v o="\`${oracle_of[$c]}\`" -v f="$f" -v h="$h" -v n="$n" \
				-v e="$(awk -F' *: *' '$1 == "edges_found" { print $2 }' "$dir/afl/main/fuzzer_stats" 2>/dev/null)" \
				'$1 == c && $2 == m { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
					c, o, m, h == "-" ? "no" : "yes", f, h, n, $9, e, $10, $11 }' "$results"
		done
	done
}
results=$out/results.tsv
done_cell() { awk -F'\t' -v c="$1" -v m="$2" '$1 == c && $2 == m { f = 1 } END { exit !f }' "$results"; }
if ((table_only)); then
	table | tee "$out/table.md"
	exit 0
fi

scripts/setup.sh afl >/dev/null
build_preset afl fuzz_frontend_process >/dev/null
build_preset canary-afl vhost-shmem-frontend >/dev/null
build_preset canary vhost-shmem-frontend fuzz_frontend_process_replay >/dev/null
build_preset default vsf_afl_mutator >/dev/null
driver=$root/build/afl/fuzz/fuzz_frontend_process
replay=$root/build/canary/fuzz/fuzz_frontend_process_replay
declare -A program=([guided]=$root/build/canary-afl/tools/vhost-shmem-frontend
	[black-box]=$root/build/canary/tools/vhost-shmem-frontend)
args="--max-mappings 8 --allow-shrinkable-fds --timeout-ms 500 {socket}"
export VSF_TARGET_PROFILE=$root/scenario/targets/vhost-shmem-frontend.profile
export AFL_NO_STARTUP_CALIBRATION=1
merged_dict >"$out/merged.dict"
[[ -f $results ]] ||
	printf 'canary\tmode\tcoverage\tfound\tfirst_finding_s\tfirst_oracle\tcanary_oracle_s\tfindings\texecs\tseeds\tload\n' >"$results"

# seeds CANARY: OUT/CANARY/seeds, the committed seeds that do not find it.
seeds() {
	local dir=$out/$1/seeds h f
	[[ -f $dir.done ]] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"
	: >"$dir.dropped"
	while read -r h; do
		for f in "corpus/$h"/*; do
			if VSF_TARGET_CMD="env VSF_CANARY=$1 ${program[black-box]} $args" \
				finding_replay "$replay" "$f" "$out/$1/seed.log" </dev/null; then
				cp "$f" "$dir/$h-${f##*/}"
			else
				echo "$f" >>"$dir.dropped"
			fi
		done
	done <fuzz/harnesses.txt
	touch "$dir.done"
}

# cell CANARY MODE: one campaign; its line of results.tsv.
cell() {
	local c=$1 mode=$2 dir=$out/$1/$2 cmd first first_oracle hit n execs tmp
	rm -rf "$dir"
	mkdir -p "$dir/stats"
	# The targets' sockets: a short path (a unix socket's is at most 107 bytes).
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vsf-tc.XXXXXX")
	cmd="env VSF_CANARY=$c ${program[$mode]} $args"
	(
		export VSF_TARGET_CMD=$cmd
		target_coverage "$cmd" "$driver"
		echo "$VSF_TARGET_COVERAGE" >"$dir/coverage"
		date +%s >"$dir/start"
		TMPDIR=$tmp VSF_TARGET_STATS=$dir/stats nice scripts/fuzz-afl.sh fuzz_frontend_process "$secs" 1 \
			"$dir/afl" --seeds "$out/$c/seeds" --dict "$out/merged.dict" --no-cmplog >"$dir/log" 2>&1 || true
		reap_targets "$tmp" >/dev/null
	)
	rm -rf "$tmp"
	IFS=$'\t' read -r first first_oracle hit n <<<"$(findings "$dir" "$c")"
	execs=$(awk -F' *: *' '$1 == "execs_done" { print $2 }' "$dir/afl/main/fuzzer_stats" 2>/dev/null || echo "?")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$mode" "$(cat "$dir/coverage")" \
		"$([[ $hit != - ]] && echo yes || echo no)" "$first" "$first_oracle" "$hit" "$n" "${execs:-?}" \
		"$(find "$out/$c/seeds" -type f | wc -l)" "$(cut -d' ' -f1,2 /proc/loadavg)" >>"$results"
}

for c in "${canaries[@]}"; do
	seeds "$c"
	pids=()
	for mode in guided black-box; do
		done_cell "$c" "$mode" && continue
		cell "$c" "$mode" &
		pids+=($!)
	done
	((${#pids[@]})) || continue
	wait "${pids[@]}"
	echo "target-coverage-compare.sh: $c done: $(grep -P "^$c\t" "$results" | cut -f2,4,5,7 | tr '\t\n' ' ;')"
done

table | tee "$out/table.md"
