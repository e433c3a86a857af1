#!/usr/bin/env bash
# Benchmark (prints numbers; never a test): the front-end's own cost of one
# SHMEM_MAP + SHMEM_UNMAP pair with replies over a socketpair, without and
# with ASan, next to the system-call floor (../shared/bench/syscall_floor.c)
# measured in the same run, with a reused memfd and a fresh one per pair.
# Usage: scripts/bench.sh [seconds per run, default 3]
set -euo pipefail
shopt -s inherit_errexit  # a failing run inside $(...) stops the script
cd "$(dirname "$0")/.."

secs=${1:-3}
floor_src=../shared/bench/syscall_floor.c
floor_bin=build/syscall_floor

scripts/setup.sh
for preset in default asan; do
	cmake --preset "$preset" >/dev/null
	cmake --build --preset "$preset" -j"$(nproc)" --target bench_map_unmap >/dev/null
done
have_floor=1
if [[ -f "$floor_src" ]]; then
	cc -O2 "$floor_src" -o "$floor_bin"
else
	echo "bench: $floor_src not found; no floor, no ratio" >&2
	have_floor=0
fi

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
	floor=""
	if ((have_floor)); then
		floor=$(pairs_per_sec "$floor_bin" "$secs" "${flag[@]}")
		rows+=("syscall floor|$mode|$floor|$floor")
	fi
	for preset in default asan; do
		pps=$(pairs_per_sec "build/$preset/tests/bench_map_unmap" "$secs" "${flag[@]}")
		rows+=("front-end ($preset)|$mode|$pps|$floor")
	done
done

echo
printf '%-20s %-7s %10s %9s %9s\n' "program" "memfd" "pairs/s" "us/pair" "x floor"
for row in "${rows[@]}"; do
	IFS='|' read -r name mode pps floor <<<"$row"
	if [[ -n $floor ]]; then
		ratio=$(awk -v f="$floor" -v p="$pps" 'BEGIN { printf "%.2f", f / p }')
	else
		ratio="-"
	fi
	us=$(awk -v p="$pps" 'BEGIN { printf "%.2f", 1e6 / p }')
	printf '%-20s %-7s %10s %9s %9s\n' "$name" "$mode" "$pps" "$us" "$ratio"
done
