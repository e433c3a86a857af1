#!/usr/bin/env bash
# Deduplicate a campaign's findings: replay every raw finding under ASan +
# UBSan, group them by signature (scripts/findings.sh), and give each unique
# finding a directory OUT/findings/<n>-<signature>/ with
#   input        the first raw finding of the group, as the engine saved it
#   input.min    an input with the same signature and as few ops as found
#                by dropping ops one at a time
#   program.txt  input.min as a text program
#   report.md    signature, report with symbolized stack, failing op, how
#                many raw findings share it, and the command that reruns it.
#
#   scripts/triage.sh HARNESS OUT [--preset asan|canary] [--build-dir DIR]
#
# HARNESS fuzz_frontend_process (a campaign against a front-end process,
# scripts/fuzz.sh --frontend-cmd) replays against VSF_TARGET_CMD under
# VSF_TARGET_PROFILE, and each report's rerun command does too.
# --build-dir uses the binaries of a build of that preset as they are.
# Raw findings: OUT/crashes/{crash,leak,timeout,oom}-* (libFuzzer) and
# OUT/*/{crashes,hangs}/id:* (AFL++; the instance directories may be links into
# a sync directory, scripts/fuzz-afl.sh --sync-dir).
# Prints one line per unique finding; OUT/findings/index.md lists them.
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# shellcheck source=scripts/findings.sh
. scripts/findings.sh

harness=${1:?usage: triage.sh HARNESS OUT [--preset P]} out=${2:?usage: triage.sh HARNESS OUT}
preset=asan build=""
shift 2
while (($#)); do
	case "$1" in
	--preset) preset=${2:?}; shift 2 ;;
	--build-dir) build=${2:?}; shift 2 ;;
	*) echo "triage.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
done
# fuzz_frontend_process: the findings of a campaign against a front-end
# process, replayed against VSF_TARGET_CMD under VSF_TARGET_PROFILE.
if [[ $harness == fuzz_frontend_process ]]; then
	[[ -n ${VSF_TARGET_CMD:-} ]] || { echo "triage.sh: $harness needs VSF_TARGET_CMD" >&2; exit 2; }
else
	grep -qx -- "$harness" fuzz/harnesses.txt || { echo "triage.sh: no harness $harness" >&2; exit 2; }
fi
[[ $out == /* ]] || out=$here/$out
[[ -z $build || $build == /* ]] || build=$here/$build

mapfile -t raw < <(find -L "$out" -type f \( -path "$out/*/crashes/id:*" -o -path "$out/*/hangs/id:*" \
	-o -path "$out/crashes/*" \
	\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) \) \
	2>/dev/null | sort)
rm -rf "$out/findings"
mkdir -p "$out/findings"
if ((${#raw[@]} == 0)); then
	echo "triage.sh: no raw findings in $out"
	printf "# Findings of %s\n\nNo raw findings.\n" "$harness" >"$out/findings/index.md"
	exit 0
fi

if [[ -z $build ]]; then
	build_preset "$preset" "${harness}_replay" vsf-prog >/dev/null
	build=build/$preset
fi
findings_env
bin=$build/fuzz/${harness}_replay prog=$build/tools/vsf-prog
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-triage.XXXXXX")
trap 'rm -rf "$t"' EXIT

# signature_of INPUT LOG: the signature, or nothing when it runs clean.
signature_of() {
	finding_replay "$bin" "$1" "$2" && return 0
	finding_signature "$2" || echo "exit status without a report"
}

# minimize INPUT SIGNATURE OUT: drop ops (text lines) while the signature holds.
minimize() {
	local in=$1 sig=$2 dst=$3 i n
	if [[ $sig == timeout ]]; then # each try would take the whole timeout
		cp "$in" "$dst"
		return
	fi
	"$prog" to-text "$in" | { grep -v '^#' || true; } >"$t/min.txt"
	mapfile -t lines <"$t/min.txt"
	n=${#lines[@]}
	for ((i = n - 1; i >= 0; i--)); do
		printf '%s\n' "${lines[@]:0:i}" "${lines[@]:i+1}" | grep -v '^$' >"$t/try.txt" || true
		"$prog" to-bin -o "$t/try.bin" "$t/try.txt" 2>/dev/null || continue
		[[ $(signature_of "$t/try.bin" "$t/try.log") == "$sig" ]] || continue
		lines=("${lines[@]:0:i}" "${lines[@]:i+1}")
	done
	printf '%s\n' "${lines[@]}" | grep -v '^$' >"$t/final.txt" || true
	"$prog" to-bin -o "$dst" "$t/final.txt"
}

declare -A count first
order=() unreproduced=0 clean_raw=()
for f in "${raw[@]}"; do
	sig=$(signature_of "$f" "$t/raw.log")
	if [[ -z $sig ]]; then
		unreproduced=$((unreproduced + 1))
		clean_raw+=("$f")
		continue
	fi
	if [[ -z ${count[$sig]:-} ]]; then
		count[$sig]=0 first[$sig]=$f
		order+=("$sig")
	fi
	count[$sig]=$((count[$sig] + 1))
done

opt=""
[[ $preset == asan ]] || opt=" --preset $preset"
{
	echo "# Findings of $harness"
	echo
	echo "${#raw[@]} raw findings, ${#order[@]} unique, $unreproduced did not reproduce."
	echo
	echo "| # | signature | raw | report |"
	echo "|---|---|---|---|"
} >"$out/findings/index.md"
n=0
for sig in "${order[@]}"; do
	n=$((n + 1))
	d=$out/findings/$n-$(finding_slug "$sig")
	mkdir -p "$d"
	cp "${first[$sig]}" "$d/input"
	minimize "$d/input" "$sig" "$d/input.min"
	"$prog" to-text "$d/input.min" >"$d/program.txt"
	signature_of "$d/input.min" "$t/min.log" >/dev/null
	finding_report "$d/report.md" "$harness" "$d/input.min" "$t/min.log" "$d/program.txt" \
		"${VSF_CANARY:+VSF_CANARY=$VSF_CANARY }$(repro_command "$harness" "$d/input.min")$opt" "${count[$sig]}"
	echo "| $n | \`$sig\` | ${count[$sig]} | [report]($n-$(finding_slug "$sig")/report.md) |" \
		>>"$out/findings/index.md"
	echo "triage.sh: [$n] ${count[$sig]} raw: $sig -> $d/report.md"
done
# Not dropped: a finding made on a kept target may need what earlier inputs left.
if ((unreproduced > 0)); then
	{
		echo
		echo "## Did not reproduce"
		echo
		if [[ ${VSF_TARGET_KEEP:-} == 1 ]]; then
			echo "Found on a target kept across inputs (VSF_TARGET_KEEP=1), clean on a fresh"
			echo "one: state-dependent (what earlier inputs left in the target), or flaky."
			echo "The campaign's log has each one's report."
		else
			echo "Clean on replay: flaky, or a timeout or out-of-memory of the run."
		fi
		echo
		for f in "${clean_raw[@]}"; do echo "- \`$(repo_path "$f")\`"; done
	} >>"$out/findings/index.md"
	echo "triage.sh: $unreproduced raw finding(s) ran clean on replay" \
		"($([[ ${VSF_TARGET_KEEP:-} == 1 ]] && echo "found on a kept target: state-dependent, or flaky" ||
			echo "flaky, or a timeout/oom"))"
fi
