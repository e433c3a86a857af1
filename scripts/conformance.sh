#!/usr/bin/env bash
# Replay programs against a front-end that runs as its own process (QEMU,
# crosvm, your VMM, our vhost-shmem-frontend) and report every input where
# the target did not do what the model and its profile say.
#
#   scripts/conformance.sh --frontend-cmd 'CMD ... {socket} ...' [--profile FILE]
#                          [--out DIR] [--build-dir DIR] [INPUT|DIR...]
#
# {socket} in the command is replaced by the path of the socket the driver
# listens on (the target connects to it, as QEMU does to a vhost-user
# backend). Without inputs: the committed corpora, the regression inputs
# and the bug-zoo reproducers. Each input runs on a fresh target
# (fuzz_frontend_process_replay, asan preset). Writes DIR/report.md (default
# conformance-out/): per input its verdict (clean, refused as the profile
# says, a known deviation, or a finding), the findings grouped by
# signature, each group with one program and the command that reproduces
# it; DIR/findings/<signature>/ keeps every failing input with its log.
# Exit status: 0 no finding, 1 findings, 2 usage.
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# shellcheck source=scripts/findings.sh
. scripts/findings.sh

usage() {
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

cmd="" profile="" out=conformance-out build="" inputs=()
while (($#)); do
	case "$1" in
	--frontend-cmd) cmd=${2:?}; shift 2 ;;
	--profile) profile=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--build-dir) build=${2:?}; shift 2 ;;
	-h|--help) usage ;;
	-*) echo "conformance.sh: unknown option $1" >&2; usage ;;
	*) inputs+=("$1"); shift ;;
	esac
done
[[ -n $cmd ]] || usage
profile=$(abs "$profile") out=$(abs "$out") build=$(abs "$build")
for i in "${!inputs[@]}"; do inputs[i]=$(abs "${inputs[i]}"); done
if [[ -z $build ]]; then
	scripts/setup.sh >/dev/null
	build_preset asan fuzz_frontend_process_replay vsf-prog >/dev/null
	build=build/asan
fi
replay=$build/fuzz/fuzz_frontend_process_replay prog=$build/tools/vsf-prog
findings_env
export VSF_TARGET_CMD=$cmd VSF_TARGET_PROFILE=$profile VSF_VERDICTS=1

rm -rf "$out"
mkdir -p "$out/inputs" "$out/findings"
# The inputs, as binary programs named after where they came from.
add_input() {
	local src=$1 name
	name=$(sed "s|^$PWD/||; s|/|_|g" <<<"$src")
	if [[ $src == *.txt ]]; then
		"$prog" to-bin -o "$out/inputs/${name%.txt}" "$src"
	else
		cp "$src" "$out/inputs/$name"
	fi
}
if ((${#inputs[@]} == 0)); then
	mapfile -t harnesses <fuzz/harnesses.txt
	for h in "${harnesses[@]}"; do
		inputs+=("$PWD/corpus/$h")
		[[ -d corpus/regressions/$h ]] && inputs+=("$PWD/corpus/regressions/$h")
		inputs+=("$PWD"/corpus/canaries/"$h"/*.txt)
	done
fi
for src in "${inputs[@]}"; do
	if [[ -d $src ]]; then
		for f in "$src"/*; do [[ -f $f ]] && add_input "$f"; done
	else
		add_input "$src"
	fi
done

clean=0 refused=0 deviations=0 found=0 total=0
: >"$out/verdicts.txt"
for in in "$out"/inputs/*; do
	name=${in##*/} log=$out/inputs/.$name.log
	total=$((total + 1))
	if finding_replay "$replay" "$in" "$log"; then
		v=$(grep -m1 -oE '==vsf== target verdict: .*' "$log" | sed 's/==vsf== target verdict: //') ||
			v=clean
		case $v in
		refused*) refused=$((refused + 1)) ;;
		deviation*) deviations=$((deviations + 1)) ;;
		*) clean=$((clean + 1)) ;;
		esac
	else
		found=$((found + 1))
		v="finding: $(finding_signature "$log" || echo "exit status without a report")"
		slug=$(finding_slug "${v#finding: }")
		mkdir -p "$out/findings/$slug"
		cp "$in" "$out/findings/$slug/$name"
		cp "$log" "$out/findings/$slug/$name.log"
	fi
	printf '%s\t%s\n' "$name" "$v" >>"$out/verdicts.txt"
	printf '\rconformance: %d inputs, %d clean, %d refused, %d deviations, %d findings' \
		"$total" "$clean" "$refused" "$deviations" "$found" >&2
done
echo >&2

{
	echo "# Conformance of a front-end process"
	echo
	echo "- target: \`$cmd\`"
	echo "- profile: \`${profile:-(none: the rules of the model)}\`"
	echo "- inputs: $total; clean $clean; refused as the profile says $refused;" \
		"known deviations $deviations; findings $found"
	echo
	echo "## Verdicts"
	echo
	echo "| input | verdict |"
	echo "|---|---|"
	sed 's/\t/ | /; s/^/| /; s/$/ |/' "$out/verdicts.txt"
	for dir in "$out"/findings/*/; do
		[[ -d $dir ]] || continue
		first=$(find "$dir" -maxdepth 1 -type f ! -name '*.log' | sort | head -1)
		"$prog" to-text "$first" >"$dir/program.txt"
		finding_report "$dir/report.md" fuzz_frontend_process "$first" "$first.log" \
			"$dir/program.txt" "$(repro_command fuzz_frontend_process "$first")" \
			"$(find "$dir" -maxdepth 1 -type f ! -name '*.log' ! -name '*.txt' ! -name '*.md' | wc -l)"
		echo
		sed 's/^# /## /' "$dir/report.md"
	done
} >"$out/report.md"
echo "conformance: report in $out/report.md"
((found == 0))
