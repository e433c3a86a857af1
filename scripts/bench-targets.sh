#!/usr/bin/env bash
# Throughput against front-end processes (a benchmark: prints numbers,
# asserts nothing): inputs/s of fuzz_frontend_process over the committed
# corpora (every input run twice, as replay does), for each target and
# mode, next to the in-process harnesses' runs/s over the same inputs:
#   in-process   fuzz_<harness>_replay (asan preset), the library itself
#   ours fresh   vhost-shmem-frontend (ASan) --reconnect, a fresh process per input
#   ours kept    the same, VSF_TARGET_KEEP=1 (its profile says keep reconnect)
#   qemu q35     Debian's QEMU 7.2, vhost-user-blk-pci on q35, fresh per input
#   qemu microvm the same device on -M microvm (virtio-mmio), fresh (--microvm)
#   qemu kept    q35 with reconnect=1 and VSF_TARGET_KEEP=1 under a copy of its
#                profile that says keep reconnect (--qemu-keep): what keeping
#                it would give (its profile says keep no: this is why)
# QEMU rows only with qemu-system-x86_64 7.2 installed (scripts/setup.sh qemu).
# --inputs DIR: those inputs instead of the corpora (say, one typical
# input copied 20 times).
# The modes run in turn, ROUNDS times (default 3), and each row gives the
# median: a machine whose load drifts moves all rows alike. The kept row
# gives the driver's counters of its last round: start-ups on a kept
# target, restarts for an unclean state, refusals, targets lost.
# Usage: scripts/bench-targets.sh [--rounds N] [--inputs DIR] [--microvm] [--qemu-keep]
#                                 [--no-qemu]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

rounds=3 microvm=0 qemu=1 qemu_keep=0 inputs=""
while (($#)); do
	case "$1" in
	--rounds) rounds=${2:?}; shift 2 ;;
	--inputs) inputs=$(abs "${2:?}"); shift 2 ;;
	--microvm) microvm=1; shift ;;
	--qemu-keep) qemu_keep=1; shift ;;
	--no-qemu) qemu=0; shift ;;
	*) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
mapfile -t harnesses <fuzz/harnesses.txt
scripts/setup.sh >/dev/null
build_preset asan fuzz_frontend_process_replay vhost-shmem-frontend \
	"${harnesses[@]/%/_replay}" >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/vsf-bench-targets.XXXXXX")
trap 'rm -rf "$work"' EXIT
b=build/asan

# The same inputs for every mode: the committed corpora of every harness
# (the in-process rows replay each through its own harness), or DIR's,
# which the first harness replays in process.
mkdir -p "$work/inputs"
if [[ -n $inputs ]]; then
	for f in "$inputs"/*; do cp "$f" "$work/inputs/${harnesses[0]}-${f##*/}"; done
else
	for h in "${harnesses[@]}"; do
		for f in "corpus/$h"/*; do cp "$f" "$work/inputs/$h-${f##*/}"; done
	done
fi
runs=$(($(find "$work/inputs" -type f | wc -l) * 2))

ours="$b/tools/vhost-shmem-frontend --max-mappings 8 --allow-shrinkable-fds --timeout-ms 500 --reconnect {socket}"
qemu_line() { # MACHINE DEVICE [,CHARDEV-OPTIONS]
	echo "qemu-system-x86_64 -M $1 -accel tcg -nodefaults -display none -S -monitor none" \
		"-serial none -chardev socket,id=c0,path={socket}${3:-} -device $2,chardev=c0,num-queues=1"
}
modes=(inprocess ours-fresh ours-kept)
if ((qemu)) && command -v qemu-system-x86_64 >/dev/null &&
	qemu-system-x86_64 --version | grep -q 'version 7\.2'; then
	modes+=(qemu-q35)
	((microvm)) && modes+=(qemu-microvm)
	((qemu_keep)) && modes+=(qemu-kept)
fi
sed 's/^keep no/keep reconnect/' scenario/targets/qemu-7.2-vhost-user-blk.profile >"$work/qemu-kept.profile"

# Time one mode over the inputs (seconds on stdout); the driver's counters in $work/MODE.stats.
run_mode() {
	local mode=$1 cmd="" profile="" keep=0 start
	case $mode in
	ours-fresh) cmd=$ours profile=scenario/targets/vhost-shmem-frontend.profile ;;
	ours-kept) cmd=$ours profile=scenario/targets/vhost-shmem-frontend.profile keep=1 ;;
	qemu-q35) cmd=$(qemu_line q35 vhost-user-blk-pci) ;;
	qemu-microvm) cmd=$(qemu_line microvm vhost-user-blk) ;;
	qemu-kept) cmd=$(qemu_line q35 vhost-user-blk-pci ,reconnect=1) keep=1 ;;
	esac
	[[ $mode != qemu-* ]] || profile=scenario/targets/qemu-7.2-vhost-user-blk.profile
	[[ $mode != qemu-kept ]] || profile=$work/qemu-kept.profile
	rm -rf "$work/stats" && mkdir -p "$work/stats"
	start=$(date +%s.%N)
	if [[ $mode == inprocess ]]; then
		for h in "${harnesses[@]}"; do
			[[ -z $(find "$work/inputs" -name "$h-*" -print -quit) ]] ||
				"$b/fuzz/${h}_replay" "$work/inputs/$h"-* >/dev/null 2>&1
		done
	else
		TMPDIR=$work VSF_TARGET_CMD=$cmd VSF_TARGET_PROFILE=$profile VSF_TARGET_KEEP=$keep \
			VSF_TARGET_STATS=$work/stats "$b/fuzz/fuzz_frontend_process_replay" \
			"$work/inputs" >"$work/$mode.log" 2>&1 ||
			echo "bench-targets: $mode: the replay failed, see below" >&2
	fi
	awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", e - s }'
	cat "$work/stats"/*.stats >"$work/$mode.stats" 2>/dev/null || true
}

for ((r = 1; r <= rounds; r++)); do
	for m in "${modes[@]}"; do
		run_mode "$m" >>"$work/$m.times"
	done
	echo "bench-targets: round $r of $rounds done" >&2
done

echo "Front-end targets over ${inputs:-the committed corpora}: $((runs / 2)) inputs, each run twice"
echo "($runs runs), $rounds rounds in turn, medians; $(date -u +%Y-%m-%d), $(nproc) cores."
echo
echo "| mode | median s | runs/s | vs in-process | driver's counters (last round) |"
echo "|---|---|---|---|---|"
base=$(sort -n "$work/inprocess.times" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
for m in "${modes[@]}"; do
	med=$(sort -n "$work/$m.times" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	counters=$(sed -E 's/^inputs [0-9]+ messages [0-9]+ //' "$work/$m.stats" 2>/dev/null || true)
	awk -v m="$m" -v t="$med" -v n="$runs" -v b="$base" -v c="${counters:--}" \
		'BEGIN { printf "| %s | %.2f | %.1f | %.3f | %s |\n", m, t, n / t, b / t, c }'
done
for m in "${modes[@]}"; do
	grep -m3 -E 'ORACLE VIOLATION|NONDETERMINISTIC' "$work/$m.log" 2>/dev/null |
		sed "s/^/bench-targets: $m: /" >&2 || true
done
