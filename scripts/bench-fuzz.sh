#!/usr/bin/env bash
# Fuzzing throughput (a benchmark: prints numbers, asserts nothing): for each
# harness, exec/s and messages/s under libFuzzer and under AFL++ (one process
# each, ASan + UBSan, seeded with the committed corpus), AFL++ stability, and
# the system-call floor of tests/bench_syscall_floor.c (default preset)
# measured in the same run (2 messages per map+unmap pair), and each
# harness's messages/s as a share of it ("of floor").
# Usage: scripts/bench-fuzz.sh [seconds per run, default 60] [--no-afl]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
root=$PWD

secs=${1:-60}
afl=1
[[ "${2:-}" == --no-afl ]] && afl=0
mapfile -t harnesses <fuzz/harnesses.txt
scripts/setup.sh $( ((afl)) && echo afl)
build_preset default bench_syscall_floor >/dev/null
build_preset libfuzzer "${harnesses[@]}" >/dev/null
if ((afl)); then
	build_preset afl "${harnesses[@]}" >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Sum "<inputs> <messages>" lines of a stats file: prints messages per input.
per_input() {
	awk '{ e += $1; m += $2 } END { printf "%.2f", e ? m / e : 0 }' "$1"
}

rows=()
for h in "${harnesses[@]}"; do
	mkdir -p "$work/$h-lf"
	VSF_STATS_FILE=$work/$h-lf.stats build/libfuzzer/fuzz/$h -max_total_time="$secs" \
		-dict="dict/$h.dict" -print_final_stats=1 -close_fd_mask=3 \
		"$work/$h-lf" "corpus/$h" >"$work/$h-lf.log" 2>&1 || true
	execs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$work/$h-lf.log")
	mpi=$(per_input "$work/$h-lf.stats")
	rows+=("$h|libFuzzer|$execs|$mpi|-")
	if ((afl)); then
		AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
		ASAN_OPTIONS=abort_on_error=1:symbolize=0 VSF_STATS_FILE=$work/$h-afl.stats \
			afl-fuzz -i "corpus/$h" -o "$work/$h-afl" -x "dict/$h.dict" -V "$secs" -m none \
			-t 10000 -- "build/afl/fuzz/$h" >"$work/$h-afl.log" 2>&1 || true
		stats=$work/$h-afl/default/fuzzer_stats
		execs=$(awk -F' *: *' '$1 == "execs_done" { print $2 }' "$stats")
		stab=$(awk -F' *: *' '$1 == "stability" { print $2 }' "$stats")
		rows+=("$h|AFL++|$execs|$(per_input "$work/$h-afl.stats")|$stab")
	fi
done

pairs=$(build/default/tests/bench_syscall_floor 3 |
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { print $i; exit } }')
floor_msgs=$((pairs * 2))

echo
printf '%-24s %-10s %10s %9s %8s %11s %8s %10s\n' harness engine execs exec/s msg/exec messages/s "of floor" stability
for row in "${rows[@]}"; do
	IFS='|' read -r h eng execs mpi stab <<<"$row"
	eps=$(awk -v e="${execs:-0}" -v t="$secs" 'BEGIN { printf "%.0f", e / t }')
	mps=$(awk -v e="$eps" -v m="$mpi" 'BEGIN { printf "%.0f", e * m }')
	frac=$(awk -v m="$mps" -v f="$floor_msgs" 'BEGIN { printf "%.1f%%", f ? 100 * m / f : 0 }')
	printf '%-24s %-10s %10s %9s %8s %11s %8s %10s\n' "$h" "$eng" "${execs:-?}" "$eps" "$mpi" "$mps" "$frac" "$stab"
done
echo "system-call floor (map+unmap with replies, same run): $floor_msgs messages/s"
exit 0
