#!/usr/bin/env bash
# The bug zoo seen from outside: which canaries the out-of-process oracles
# of fuzz_frontend_process catch in our vhost-shmem-frontend program.
#
#   scripts/target-canaries.sh [--build-dir DIR] [--msan-build-dir DIR]
#                              [--out FILE] [--keep DIR] [--target-args 'ARGS']
#                              [REPRODUCER.txt...]
#
# For each reproducer of corpus/canaries/<harness>/ (all of them by default)
# runs fuzz_frontend_process_replay against the canary build's
# vhost-shmem-frontend (full SHMEM profile, the command line of
# scenario/targets/vhost-shmem-frontend.profile), once with no canary on
# (it must be clean) and once with the reproducer's canary switched on in
# the target only (`env VSF_CANARY=<id>` inside VSF_TARGET_CMD; the driver
# runs with VSF_CANARY unset, and its own canary counters must stay at 0).
# The target's canary counters (VSF_CANARY_COUNTS) tell whether its site
# was reached and its bad condition triggered. Prints a Markdown table:
# canary, caught out of process, by which oracle (or `target-died` with the
# sanitizer report the target printed), the target's counters, the
# in-process catcher (`# catcher:`), and how the input ended when missed.
# Reproducers that need MemorySanitizer (`# build: msan`) are skipped, or
# run against the vhost-shmem-frontend of --msan-build-dir (an msan preset
# build, which has the canaries compiled in) when given.
# Without --build-dir builds the canary preset. With --out also writes the
# table to FILE; with --keep the replays' logs go to DIR (HARNESS_NAME.off.log,
# HARNESS_NAME.on.log). --target-args replaces the program's arguments (default
# '--max-mappings 8 --allow-shrinkable-fds --timeout-ms 500 {socket}', the
# profile's; add -v for the library's log). Every run is bounded (timeout 60).
# Exit status: 0 when every run with no canary on is clean and the driver
# itself reached no canary site, 1 otherwise,
# 2 usage.
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# shellcheck source=scripts/findings.sh
. scripts/findings.sh

usage() {
	sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

build="" msan_build="" out="" keep="" inputs=()
args="--max-mappings 8 --allow-shrinkable-fds --timeout-ms 500 {socket}"
while (($#)); do
	case "$1" in
	--build-dir) build=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--keep) keep=${2:?}; shift 2 ;;
	--msan-build-dir) msan_build=${2:?}; shift 2 ;;
	--target-args) args=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	-*) echo "target-canaries.sh: unknown option $1" >&2; usage ;;
	*) inputs+=("$1"); shift ;;
	esac
done
build=$(abs "$build") out=$(abs "$out") keep=$(abs "$keep") msan_build=$(abs "$msan_build")
for i in "${!inputs[@]}"; do inputs[i]=$(abs "${inputs[i]}"); done
if [[ -z $build ]]; then
	build_preset canary vhost-shmem-frontend fuzz_frontend_process_replay vsf-prog \
		vsf-canary-counts >/dev/null
	build=$PWD/build/canary
fi
replay=$build/fuzz/fuzz_frontend_process_replay prog=$build/tools/vsf-prog
counts_tool=$build/fuzz/vsf-canary-counts frontend=$build/tools/vhost-shmem-frontend
for b in "$replay" "$prog" "$counts_tool" "$frontend"; do
	[[ -x $b ]] || { echo "target-canaries.sh: $b is not built (a canary build?)" >&2; exit 2; }
done
msan_frontend=${msan_build:+$msan_build/tools/vhost-shmem-frontend}
if [[ -n $msan_frontend && ! -x $msan_frontend ]]; then
	echo "target-canaries.sh: $msan_frontend is not built" >&2
	exit 2
fi
if ((${#inputs[@]} == 0)); then
	mapfile -t harnesses <fuzz/harnesses.txt
	for h in "${harnesses[@]}"; do
		for f in corpus/canaries/"$h"/*.txt; do
			[[ -e $f ]] && inputs+=("$PWD/$f")
		done
	done
fi

findings_env
profile=$PWD/scenario/targets/vhost-shmem-frontend.profile
[[ $args == *"{socket}"* ]] || { echo "target-canaries.sh: --target-args lacks {socket}" >&2; exit 2; }
export VSF_TARGET_PROFILE=$profile VSF_VERDICTS=1
unset VSF_CANARY VSF_CANARY_COUNTS

t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-target-canaries.XXXXXX")
trap 'rm -rf "$t"' EXIT

# run LOG DRIVER-COUNTS TARGET-COMMAND INPUT: one bounded replay; its status.
run() {
	local status=0
	{ VSF_CANARY_COUNTS=$2 VSF_TARGET_CMD=$3 timeout 60 "$replay" "$4" >"$1" 2>&1; } \
		2>/dev/null || status=$?
	return "$status"
}

# verdict LOG: how an input the oracles passed ended for the target.
verdict() {
	local v
	v=$(grep -m1 -oE '==vsf== target verdict: .*' "$1" | sed 's/==vsf== target verdict: //') ||
		v="(no verdict)"
	echo "$v"
}

# counters FILE ID: "reached N, triggered M" of the canary in a counts file.
counters() {
	local line
	[[ -s $1 ]] || { echo "not reached"; return; }
	line=$("$counts_tool" "$1" | grep -E "canary $2 +reached") || { echo "not reached"; return; }
	[[ $line =~ reached\ ([0-9]+)\ triggered\ ([0-9]+) ]] &&
		echo "reached ${BASH_REMATCH[1]}, triggered ${BASH_REMATCH[2]}"
}

start=$SECONDS
off_bad=0 ncaught=0 nmissed=0 nskipped=0
rows=$t/rows.md
: >"$rows"
for src in "${inputs[@]}"; do
	id=$(sed -n 's/^# canary: //p' "$src")
	catcher=$(sed -n 's/^# catcher: //p' "$src")
	harness=$(basename "$(dirname "$src")")
	name=$harness/${src##*/}
	[[ -n $id ]] || { echo "target-canaries.sh: $src has no '# canary:' line" >&2; exit 2; }
	program=$frontend
	if grep -qx '# build: msan' "$src" && [[ -n $msan_frontend ]]; then
		program=$msan_frontend
		name="$name (MSan program)"
	elif grep -qx '# build: msan' "$src"; then
		nskipped=$((nskipped + 1))
		printf '| %s | %s | skipped | %s | — | %s |\n' "$id" "$name" \
			"needs MemorySanitizer (\`# build: msan\`): the target is an ASan build" \
			"\`$catcher\`" >>"$rows"
		echo "target-canaries: $id: skipped (MemorySanitizer only)" >&2
		continue
	fi
	in=$t/${harness}_${src##*/}
	in=${in%.txt}
	"$prog" to-bin -o "$in" "$src"

	# With no canary on: clean, or the table is worth nothing.
	off=ok
	# (The target inherits the driver's environment: its own counts file.)
	if ! run "$in.off.log" "$t/driver-counts" \
		"env -u VSF_CANARY VSF_CANARY_COUNTS=$in.off.counts $program $args" "$in" ||
		! grep -q "no finding" "$in.off.log"; then
		off="NOT CLEAN: $(caught_by "$in.off.log")"
		off_bad=1
	fi

	# With the canary on in the target only.
	if run "$in.on.log" "$t/driver-counts" \
		"env VSF_CANARY=$id VSF_CANARY_COUNTS=$in.counts $program $args" "$in"; then
		caught=no by="— (verdict: $(verdict "$in.on.log"))"
		nmissed=$((nmissed + 1))
	else
		caught=yes by=$(caught_by "$in.on.log")
		ncaught=$((ncaught + 1))
	fi
	[[ $off == ok ]] || by="$by; with no canary on: $off"
	printf '| %s | %s | %s | %s | %s | %s |\n' "$id" "$name" "$caught" "$by" \
		"$(counters "$in.counts" "$id")" "\`$catcher\`" >>"$rows"
	if [[ -n $keep ]]; then
		mkdir -p "$keep"
		cp "$in.off.log" "$keep/${in##*/}.off.log"
		cp "$in.on.log" "$keep/${in##*/}.on.log"
	fi
	echo "target-canaries: $id ($name): caught $caught ${by}" >&2
done

# The driver runs the programs, not our library's paths: its own counters must stay at 0.
driver_sites=""
if [[ -s $t/driver-counts ]]; then
	driver_sites=$("$counts_tool" "$t/driver-counts" | grep -E 'reached [1-9]') || true
fi
if [[ -n $driver_sites ]]; then
	echo "target-canaries: the driver itself reached canary sites:" >&2
	echo "$driver_sites" >&2
fi

{
	echo "| canary | reproducer | caught out of process | by | target's canary counters | in-process catcher |"
	echo "|---|---|---|---|---|---|"
	cat "$rows"
	echo
	echo "Reproducers: $ncaught caught, $nmissed missed, $nskipped skipped;" \
		"every run with no canary on $( ((off_bad)) && echo "NOT clean" || echo clean);" \
		"driver's own canary sites reached: $([[ -n $driver_sites ]] && echo yes || echo none);" \
		"$((SECONDS - start)) s."
} | tee "${out:-/dev/null}"
((off_bad == 0)) && [[ -z $driver_sites ]]
