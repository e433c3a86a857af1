#!/usr/bin/env bash
# Line and branch coverage of src/ by the committed corpus, or by the
# committed corpus plus a campaign's final corpus: builds the coverage preset,
# replays corpus/<harness>/ (and OUT/<harness>/corpus, OUT/<harness>/*/queue)
# for every harness, reports with llvm-cov. --campaign may be given several
# times (fuzz.sh --engine both: both engines' campaigns).
#   scripts/coverage.sh [--html DIR] [--campaign OUT]...
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

html="" campaigns=()
while (($#)); do
	case "$1" in
	--html) html=${2:?--html needs a directory}; shift 2 ;;
	--campaign) campaigns+=("${2:?--campaign needs a directory}"); shift 2 ;;
	*) echo "usage: $0 [--html DIR] [--campaign OUT]..." >&2; exit 2 ;;
	esac
done
scripts/setup.sh >/dev/null
profdata=$(command -v llvm-profdata-14 || command -v llvm-profdata)
cov=$(command -v llvm-cov-14 || command -v llvm-cov)
mapfile -t harnesses <fuzz/harnesses.txt
build_preset coverage "${harnesses[@]/%/_replay}" >/dev/null

dir=build/coverage/profiles
rm -rf "$dir" && mkdir -p "$dir"
objects=()
for h in "${harnesses[@]}"; do
	inputs=("corpus/$h")
	for campaign in "${campaigns[@]}"; do
		for d in "$campaign/$h/corpus" "$campaign/$h"/*/queue; do
			[[ -d $d ]] && inputs+=("$d")
		done
	done
	LLVM_PROFILE_FILE="$dir/$h-%p.profraw" "build/coverage/fuzz/${h}_replay" "${inputs[@]}" >/dev/null 2>&1 || true
	objects+=(-object "build/coverage/fuzz/${h}_replay")
done
"$profdata" merge -sparse "$dir"/*.profraw -o "$dir/corpus.profdata"
"$cov" report "${objects[@]:1}" -instr-profile="$dir/corpus.profdata" src/*.c
[[ -n $html ]] && "$cov" show "${objects[@]:1}" -instr-profile="$dir/corpus.profdata" \
	-format=html -output-dir="$html" -show-branches=count src/*.c && echo "html: $html/index.html"
exit 0
