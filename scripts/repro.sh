#!/usr/bin/env bash
# Reproduce a finding without a fuzzer, under ASan + UBSan (the asan preset's
# replay binaries), and say what it is.
#
#   scripts/repro.sh [HARNESS] FILE... [--report DIR] [--emit-c OUT.c]
#                    [--preset asan|canary|msan] [--build-dir DIR]
#   scripts/repro.sh --frontend-cmd 'CMD ... {socket} ...' [--profile FILE] FILE...
#
# FILE is a libFuzzer or AFL++ crash file (a binary program) or a text
# program. Without HARNESS the harness is the one the file's path names
# (fuzz-out/<harness>-<engine>/...), else the first under which the input
# fails. Prints the input as a text program, the replay's report and the
# finding's signature; with --report DIR writes DIR/report.md, with --emit-c
# a standalone C test of the input for tests/regressions/ (both for one FILE).
# --preset canary replays a bug-zoo finding (switch it on with VSF_CANARY=id);
# --build-dir uses the binaries of a build of that preset as they are.
# --frontend-cmd replays against a front-end process instead (the
# fuzz_frontend_process driver, docs/targets.md), judged under --profile.
# Exit status: 1 when an input reproduced a finding, 0 when every input ran
# clean, 2 on a usage error.
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# shellcheck source=scripts/findings.sh
. scripts/findings.sh

usage() {
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
	echo "harnesses: $(tr '\n' ' ' <fuzz/harnesses.txt)" >&2
	exit 2
}

harness="" report="" emit_c="" preset=asan build="" files=() frontend_cmd="" profile=
while (($#)); do
	case "$1" in
	--report) report=${2:?}; shift 2 ;;
	--emit-c) emit_c=${2:?}; shift 2 ;;
	--preset) preset=${2:?}; shift 2 ;;
	--build-dir) build=${2:?}; shift 2 ;;
	--frontend-cmd) frontend_cmd=${2:?}; shift 2 ;;
	--profile) profile=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	*) if [[ -z $harness && ${#files[@]} -eq 0 ]] && grep -qx -- "$1" fuzz/harnesses.txt; then
		harness=$1
	   else
		files+=("$1")
	   fi
	   shift ;;
	esac
done
((${#files[@]})) || usage
for i in "${!files[@]}"; do files[i]=$(abs "${files[i]}"); done
report=$(abs "$report") emit_c=$(abs "$emit_c") build=$(abs "$build") profile=$(abs "$profile")
[[ -z $report$emit_c || ${#files[@]} -eq 1 ]] ||
	{ echo "repro.sh: --report and --emit-c take one FILE" >&2; exit 2; }
for f in "${files[@]}"; do
	[[ -f $f ]] || { echo "repro.sh: no such file: $f" >&2; exit 2; }
done

mapfile -t harnesses <fuzz/harnesses.txt
if [[ -n $frontend_cmd ]]; then
	# One driver: the programs go to the target process.
	harness=fuzz_frontend_process harnesses=(fuzz_frontend_process)
	export VSF_TARGET_CMD=$frontend_cmd VSF_TARGET_PROFILE=$profile
fi
if [[ -z $build ]]; then
	scripts/setup.sh >/dev/null
	build_preset "$preset" "${harnesses[@]/%/_replay}" vsf-prog >/dev/null
	build=build/$preset
fi
findings_env
prog=$build/tools/vsf-prog
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-repro.XXXXXX")
trap 'rm -rf "$t"' EXIT

# as_binary FILE OUT: the binary program of FILE (a text program is compiled).
as_binary() {
	if LC_ALL=C grep -qaxvE '[[:print:][:space:]]*' "$1" || ! "$prog" to-bin -o "$2" "$1" 2>/dev/null; then
		cp "$1" "$2"
	fi
}

# replay HARNESS INPUT LOG: 0 when the input ran clean.
replay() {
	finding_replay "$build/fuzz/$1_replay" "$2" "$3"
}

status=0
for f in "${files[@]}"; do
	in=$t/input log=$t/replay.log
	as_binary "$f" "$in"
	h=$harness
	if [[ -z $h ]]; then
		for cand in "${harnesses[@]}"; do
			[[ $f == *"/$cand"[-/]* ]] && h=$cand
		done
	fi
	if [[ -z $h ]]; then
		for cand in "${harnesses[@]}"; do
			replay "$cand" "$in" "$log" || { h=$cand; break; }
		done
		h=${h:-${harnesses[0]}}
	fi
	"$prog" to-text "$in" >"$t/program.txt"
	echo "---- $f ($h) as a program:"
	cat "$t/program.txt"
	echo "----"
	if replay "$h" "$in" "$log"; then
		cat "$log"
		echo "repro.sh: $f ran clean under $h: not reproduced"
	else
		cat "$log"
		sig=$(finding_signature "$log") || sig="exit status without a report (see above)"
		echo "repro.sh: $f reproduced under $h: $sig"
		status=1
	fi
	if [[ -n $report ]]; then
		opt=""
		[[ $preset == asan ]] || opt=" --preset $preset"
		mkdir -p "$report"
		finding_report "$report/report.md" "$h" "$f" "$log" "$t/program.txt" \
			"${VSF_CANARY:+VSF_CANARY=$VSF_CANARY }$(repro_command "$h" "$f")$opt" 1
		echo "repro.sh: report in $report/report.md"
	fi
	if [[ -n $emit_c ]]; then
		"$prog" to-c -H "$h" -s "$f" -o "$emit_c" "$in"
		echo "repro.sh: C test in $emit_c (build it in tests/regressions/; it must run clean once fixed)"
	fi
done
exit $status
