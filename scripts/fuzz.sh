#!/usr/bin/env bash
# Run a fuzz campaign: the README's main command.
#
#   scripts/fuzz.sh [--engine libfuzzer|afl] [--target HARNESS] [--duration 10m]
#                   [--jobs N] [--out DIR]
#
# Defaults: libFuzzer, fuzz_backend_channel, 10 minutes, all cores, output in
# fuzz-out/<target>-<engine>/. Installs what is missing, builds the engine's
# preset (ASan + UBSan), seeds from corpus/<target>/ with dict/<target>.dict,
# shows progress while it runs and prints a summary at the end. Raw findings
# are kept in <out>/crashes/ (libFuzzer) or <out>/*/crashes/ (AFL++); at the
# end scripts/triage.sh folds them into <out>/findings/ (one directory and
# report.md per unique finding); rerun one with scripts/repro.sh <file>.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
root=$PWD

engine=libfuzzer
target=fuzz_backend_channel
duration=10m
jobs=$(nproc)
out=""

usage() {
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
	echo "harnesses: $(tr '\n' ' ' <fuzz/harnesses.txt)"
	exit "${1:-2}"
}

while (($#)); do
	case "$1" in
	--engine) engine=${2:?}; shift 2 ;;
	--target) target=${2:?}; shift 2 ;;
	--duration) duration=${2:?}; shift 2 ;;
	--jobs) jobs=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	-h|--help) usage 0 ;;
	*) echo "fuzz.sh: unknown argument: $1" >&2; usage ;;
	esac
done

# 90s, 10m, 8h, 1d, or plain seconds.
to_seconds() {
	local v=$1 n unit
	[[ $v =~ ^([0-9]+)([smhd]?)$ ]] || { echo "fuzz.sh: bad duration: $v" >&2; exit 2; }
	n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]}
	case $unit in
	m) echo $((n * 60)) ;; h) echo $((n * 3600)) ;; d) echo $((n * 86400)) ;; *) echo "$n" ;;
	esac
}
secs=$(to_seconds "$duration")
grep -qx "$target" fuzz/harnesses.txt || { echo "fuzz.sh: no harness named $target" >&2; usage; }
[[ $engine == libfuzzer || $engine == afl ]] || { echo "fuzz.sh: engine must be libfuzzer or afl" >&2; exit 2; }
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --jobs must be a positive number" >&2; exit 2; }
out=${out:-fuzz-out/$target-$engine}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [[ $engine == afl ]]; then
	scripts/setup.sh afl
	for preset in afl afl-cmplog; do
		build_preset $preset "$target"
	done
	# The structure-aware mutator, as a plain shared library for afl-fuzz.
	build_preset default vsf_afl_mutator
	campaign=(scripts/fuzz-afl.sh "$target" "$secs" "$jobs" "$out")
else
	scripts/setup.sh
	build_preset libfuzzer "$target"
	campaign=(scripts/fuzz-libfuzzer.sh "$target" "$secs" "$jobs" "$out")
fi
# Ctrl-C or SIGTERM stops the campaign (which prints its summary), and the
# triage still runs. (A background job has SIGINT ignored: forward TERM.)
"${campaign[@]}" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null' INT TERM
while :; do
	status=0
	wait "$pid" || status=$?
	kill -0 "$pid" 2>/dev/null || break
done
trap - INT TERM
echo
scripts/triage.sh "$target" "$out" || echo "fuzz.sh: triage failed; raw findings stay in $out"
echo "unique findings: $out/findings/index.md"
exit "$status"
