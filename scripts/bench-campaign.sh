#!/usr/bin/env bash
# Campaign speed (a benchmark: prints numbers, asserts nothing): each
# engine's campaign, run by the runner scripts/fuzz.sh starts for a harness
# (scripts/fuzz-libfuzzer.sh, scripts/fuzz-afl.sh: every worker or
# instance, AFL++'s CMPLOG one included, start-up and restarts counted),
# against the harness in one process per core for the same time from the
# same corpus (libFuzzer in-process; one persistent-mode afl-fuzz, with the
# campaign's mutator library and dictionary, no CMPLOG). Campaign and
# in-process run in turn, PAIRS times, so that a machine whose load drifts
# slows both alike; each pair gives a ratio of executions per second per
# core, campaign over in-process, and the median of the pairs ends the
# table. Executions are the campaign summary's and the in-process runs'
# own; seconds are each run's wall time from outside.
#
#   scripts/bench-campaign.sh [--seconds 60] [--pairs 3] [--jobs 1]
#                             [--engine libfuzzer|afl|both] [--target HARNESS|all]
#
# --jobs: the cores a campaign gets (fuzz.sh --jobs for one harness); the
# in-process side runs as many processes at once.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

secs=60 pairs=3 jobs=1 engine=both target=all
while (($#)); do
	case $1 in
	--seconds) secs=${2:?}; shift 2 ;;
	--pairs) pairs=${2:?}; shift 2 ;;
	--jobs) jobs=${2:?}; shift 2 ;;
	--engine) engine=${2:?}; shift 2 ;;
	--target) target=${2:?}; shift 2 ;;
	*) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
if [[ $target == all ]]; then
	mapfile -t harnesses <fuzz/harnesses.txt
else
	harnesses=("$target")
fi
engines=(libfuzzer afl)
[[ $engine == both ]] || engines=("$engine")

scripts/setup.sh afl
for e in "${engines[@]}"; do
	if [[ $e == libfuzzer ]]; then
		build_preset libfuzzer "${harnesses[@]}" >/dev/null
	else
		build_preset afl "${harnesses[@]}" >/dev/null
		build_preset afl-cmplog "${harnesses[@]}" >/dev/null
		build_preset default vsf_afl_mutator >/dev/null
	fi
done
work=$(mktemp -d "${TMPDIR:-/tmp}/vsf-bench-campaign.XXXXXX")
trap 'rm -rf "$work"' EXIT

# timed CMD...: runs CMD, then prints its wall seconds.
timed() {
	local t0
	t0=$(date +%s.%N)
	"$@"
	awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }'
}

# campaign ENGINE HARNESS: the campaign's executions (its summary's).
campaign() {
	local out=$work/campaign
	rm -rf "$out"
	mkdir -p "$out"
	"scripts/fuzz-$1.sh" "$2" "$secs" "$jobs" "$out" >"$out.log" 2>&1 || true
	awk '/^==== fuzz summary/ { s = 1 } s && $1 == "executions:" { print $2 }' "$out.log"
}

# in_process ENGINE HARNESS: $jobs processes at once, each from an empty
# corpus and the committed one; the sum of their executions.
in_process() {
	local i pids=() flags
	rm -rf "$work/ip"
	mkdir -p "$work/ip"
	for ((i = 0; i < jobs; i++)); do
		if [[ $1 == libfuzzer ]]; then
			mapfile -t flags < <(libfuzzer_flags "$2")
			mkdir -p "$work/ip/$i"
			"build/libfuzzer/fuzz/$2" "${flags[@]}" -max_total_time="$secs" -print_final_stats=1 \
				"$work/ip/$i" "corpus/$2" >"$work/ip/$i.log" 2>&1 &
		else
			# shellcheck source=scripts/afl-env.sh
			(. scripts/afl-env.sh
			AFL_CUSTOM_MUTATOR_LIBRARY=build/default/fuzz/libvsf_afl_mutator.so \
				exec afl-fuzz -i "corpus/$2" -o "$work/ip/$i" -x "dict/$2.dict" -V "$secs" -m none \
				-t "$(timeout_ms "$2")" -- "build/afl/fuzz/$2" >"$work/ip/$i.log" 2>&1) &
		fi
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || true; done
	# A process that stopped on a finding ran for less time (its seconds
	# count as they were): say what stopped it.
	grep -h -m1 -E 'ERROR: |Test unit written' "$work"/ip/*.log /dev/null | sed "s/^/note: in-process $2: /" >&2 || true
	find "$work/ip" \( -name '*.log' -o -name fuzzer_stats \) -exec cat {} + |
		awk '/^stat::number_of_executed_units:/ { s += $2 } /^execs_done / { s += $3 } END { print s + 0 }'
}

# One figure per core and second.
per_core() {
	awk -v e="$1" -v t="$2" -v j="$jobs" 'BEGIN { printf "%.0f", (t > 0 ? e / t / j : 0) }'
}

printf '%-22s %-9s %4s %10s %6s %7s %10s %6s %7s %6s\n' harness engine pair \
	camp-execs secs /s/core ip-execs secs /s/core ratio
summary=()
for h in "${harnesses[@]}"; do
	for e in "${engines[@]}"; do
		ratios=()
		for ((p = 1; p <= pairs; p++)); do
			{ read -r ce; read -r cs; } < <(timed campaign "$e" "$h")
			{ read -r ie; read -r is; } < <(timed in_process "$e" "$h")
			c=$(per_core "${ce:-0}" "$cs") i=$(per_core "${ie:-0}" "$is")
			r=$(awk -v c="$c" -v i="$i" 'BEGIN { printf "%.2f", (i > 0 ? c / i : 0) }')
			ratios+=("$r")
			printf '%-22s %-9s %4d %10s %6s %7s %10s %6s %7s %6s\n' "$h" "$e" "$p" \
				"${ce:-?}" "$cs" "$c" "${ie:-?}" "$is" "$i" "$r"
		done
		summary+=("$(printf '%-22s %-9s median ratio %s over %d pairs (%ds runs, %d core(s))' "$h" "$e" \
			"$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 }
				END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')" \
			"$pairs" "$secs" "$jobs")")
	done
done
echo
printf '%s\n' "${summary[@]}"
