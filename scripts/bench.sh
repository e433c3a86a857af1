#!/usr/bin/env bash
# Benchmark (prints numbers; never a test): the front-end's own cost of one
# SHMEM_MAP + SHMEM_UNMAP pair with replies over a socketpair, without and
# with ASan, next to the system-call floor (tests/bench_syscall_floor.c, the
# same pair as raw system calls) measured in the same run, with a reused
# memfd and a fresh one per pair.
# Usage: scripts/bench.sh [seconds per run, default 3]
set -euo pipefail
shopt -s inherit_errexit  # a failing run inside $(...) stops the script
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

secs=${1:-3}
floor_bin=build/default/tests/bench_syscall_floor

scripts/setup.sh
for preset in default asan; do
	targets=(bench_map_unmap)
	# The floor without sanitizers only (RelWithDebInfo, -O2).
	[[ $preset == default ]] && targets+=(bench_syscall_floor)
	build_preset "$preset" "${targets[@]}" >/dev/null
done

# Run one program, show its line on stderr, print its pairs/s: the first
# number on the line (floor: "floor: N map+unmap pairs/s ...",
# bench_map_unmap: "map+unmap pairs/s: N ...").
pairs_per_sec() {
	local out
	out=$("$@")
	echo "$out" >&2
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { print $i; exit } }' <<<"$out"
}

rows=()
for mode in reused fresh; do
	flag=()
	[[ $mode == fresh ]] && flag=(--fresh-memfd)
	floor=$(pairs_per_sec "$floor_bin" "$secs" "${flag[@]}")
	rows+=("syscall floor|$mode|$floor|$floor")
	for preset in default asan; do
		pps=$(pairs_per_sec "build/$preset/tests/bench_map_unmap" "$secs" "${flag[@]}")
		rows+=("front-end ($preset)|$mode|$pps|$floor")
	done
done

echo
printf '%-20s %-7s %10s %9s %9s\n' "program" "memfd" "pairs/s" "us/pair" "x floor"
for row in "${rows[@]}"; do
	IFS='|' read -r name mode pps floor <<<"$row"
	ratio=$(awk -v f="$floor" -v p="$pps" 'BEGIN { printf "%.2f", f / p }')
	us=$(awk -v p="$pps" 'BEGIN { printf "%.2f", 1e6 / p }')
	printf '%-20s %-7s %10s %9s %9s\n' "$name" "$mode" "$pps" "$us" "$ratio"
done
