#!/usr/bin/env bash
# Fuzzing throughput (a benchmark: prints numbers, asserts nothing): for each
# harness, exec/s and messages/s under libFuzzer and under AFL++ (one process
# each, ASan + UBSan, seeded with the committed corpus), AFL++ stability, and
# the system-call floor of tests/bench_syscall_floor.c (default preset)
# measured in the same run (2 messages per map+unmap pair), and each
# harness's messages/s as a share of it ("of floor"), and the engine's own
# ceiling: exec/s over an input that only decodes a header
# (fuzz/bench_engine_ceiling.c). On a shared machine the wall-clock rates
# measure the load as much as the code: "cpu share" is the same share with
# both rates per CPU second the process got (user + system), for libFuzzer.
# Usage: scripts/bench-fuzz.sh [seconds per run, default 60] [--no-afl]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

secs=${1:-60}
afl=1
[[ "${2:-}" == --no-afl ]] && afl=0
mapfile -t harnesses <fuzz/harnesses.txt
setup=()
((afl)) && setup+=(afl)
scripts/setup.sh "${setup[@]}"
build_preset default bench_syscall_floor >/dev/null
build_preset libfuzzer "${harnesses[@]}" bench_engine_ceiling >/dev/null
if ((afl)); then
	build_preset afl "${harnesses[@]}" bench_engine_ceiling >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Sum "<inputs> <messages>" lines of a stats file: prints messages per input.
per_input() {
	awk '{ e += $1; m += $2 } END { printf "%.2f", e ? m / e : 0 }' "$1"
}

# CPU seconds (user + system) of the command, written to file $1; the
# command's own output goes where the caller sends it.
cpu_time() {
	local file=$1 TIMEFORMAT='%U %S' ret=0
	shift
	{ time "$@" 2>&3 || ret=$?; } 3>&2 2>"$file.time"
	awk '{ print $1 + $2 }' "$file.time" >"$file"
	return "$ret"
}

# One engine over target $1 for $2 seconds from corpus $3 (output in
# $work/$4-*, its CPU seconds in $work/$4-lf.cpu for libFuzzer): prints its
# executions (and for AFL++, a tab and its stability).
run_libfuzzer() {
	local dict=()
	[[ -f dict/$1.dict ]] && dict=(-dict="dict/$1.dict")
	mkdir -p "$work/$4-lf"
	cpu_time "$work/$4-lf.cpu" env VSF_STATS_FILE="$work/$4-lf.stats" \
		"build/libfuzzer/fuzz/$1" -max_total_time="$2" "${dict[@]}" -print_final_stats=1 \
		-close_fd_mask=3 "$work/$4-lf" "$3" >"$work/$4-lf.log" 2>&1 || true
	awk '/stat::number_of_executed_units:/ { print $2 }' "$work/$4-lf.log"
}
run_afl() {
	local stats=$work/$4-afl/default/fuzzer_stats dict=()
	[[ -f dict/$1.dict ]] && dict=(-x "dict/$1.dict")
	AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
	ASAN_OPTIONS=abort_on_error=1:symbolize=0 VSF_STATS_FILE=$work/$4-afl.stats \
		afl-fuzz -i "$3" -o "$work/$4-afl" "${dict[@]}" \
		-V "$2" -m none -t 10000 -- "build/afl/fuzz/$1" >"$work/$4-afl.log" 2>&1 || true
	awk -F' *: *' '$1 == "execs_done" { e = $2 } $1 == "stability" { s = $2 }
		END { printf "%s\t%s\n", e, s }' "$stats"
}

rows=()
for h in "${harnesses[@]}"; do
	execs=$(run_libfuzzer "$h" "$secs" "corpus/$h" "$h")
	rows+=("$h|libFuzzer|$execs|$(per_input "$work/$h-lf.stats")|-|$(cat "$work/$h-lf.cpu")")
	if ((afl)); then
		IFS=$'\t' read -r execs stab < <(run_afl "$h" "$secs" "corpus/$h" "$h")
		rows+=("$h|AFL++|$execs|$(per_input "$work/$h-afl.stats")|$stab|")
	fi
done

# What each engine allows at all: an input that only decodes a header.
mkdir -p "$work/one-header" && printf %016d 0 >"$work/one-header/x"
# Executions over 10 s as exec/s, or ? when the run printed no count.
per_second() {
	[[ $1 =~ ^[0-9]+$ ]] && echo $(($1 / 10)) || echo "?"
}
ceiling="libFuzzer $(per_second "$(run_libfuzzer bench_engine_ceiling 10 "$work/one-header" ceiling)") exec/s"
if ((afl)); then
	IFS=$'\t' read -r execs _ < <(run_afl bench_engine_ceiling 10 "$work/one-header" ceiling)
	ceiling+=", AFL++ $(per_second "${execs:-}") exec/s"
fi

# The floor runs 3 s of wall time: its messages per CPU second from that.
cpu_time "$work/floor.cpu" build/default/tests/bench_syscall_floor 3 >"$work/floor.out"
pairs=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { print $i; exit } }' "$work/floor.out")
floor_msgs=$((pairs * 2))
floor_cpu_msgs=$(awk -v m="$floor_msgs" '{ printf "%.0f", $1 ? m * 3 / $1 : 0 }' "$work/floor.cpu")

echo
printf '%-24s %-10s %10s %9s %8s %11s %8s %9s %10s\n' harness engine execs exec/s msg/exec messages/s "of floor" "cpu share" stability
for row in "${rows[@]}"; do
	IFS='|' read -r h eng execs mpi stab cpu <<<"$row"
	eps=$(awk -v e="${execs:-0}" -v t="$secs" 'BEGIN { printf "%.0f", e / t }')
	mps=$(awk -v e="$eps" -v m="$mpi" 'BEGIN { printf "%.0f", e * m }')
	frac=$(awk -v m="$mps" -v f="$floor_msgs" 'BEGIN { printf "%.1f%%", f ? 100 * m / f : 0 }')
	cpufrac=-
	[[ -n $cpu ]] && cpufrac=$(awk -v e="${execs:-0}" -v m="$mpi" -v c="$cpu" -v f="$floor_cpu_msgs" \
		'BEGIN { printf "%.1f%%", c && f ? 100 * e * m / c / f : 0 }')
	printf '%-24s %-10s %10s %9s %8s %11s %8s %9s %10s\n' "$h" "$eng" "${execs:-?}" "$eps" "$mpi" "$mps" "$frac" "$cpufrac" "$stab"
done
echo "system-call floor (map+unmap with replies, same run): $floor_msgs messages/s, $floor_cpu_msgs per CPU second"
echo "engine ceiling (an input that only decodes a header: same engine, sanitizers and driver; 10 s): $ceiling"
exit 0
