#!/usr/bin/env bash
# Line and branch coverage of src/ by the committed corpus alone: builds the
# coverage preset, replays corpus/<harness>/ for every harness, reports with
# llvm-cov. Usage: scripts/coverage.sh [--html DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

html=""
[[ "${1:-}" == --html ]] && html=${2:?--html needs a directory}
scripts/setup.sh
profdata=$(command -v llvm-profdata-14 || command -v llvm-profdata)
cov=$(command -v llvm-cov-14 || command -v llvm-cov)
mapfile -t harnesses <fuzz/harnesses.txt
build_preset coverage "${harnesses[@]/%/_replay}" >/dev/null

dir=build/coverage/profiles
rm -rf "$dir" && mkdir -p "$dir"
objects=()
for h in "${harnesses[@]}"; do
	LLVM_PROFILE_FILE="$dir/$h-%p.profraw" "build/coverage/fuzz/${h}_replay" "corpus/$h" >/dev/null 2>&1
	objects+=(-object "build/coverage/fuzz/${h}_replay")
done
"$profdata" merge -sparse "$dir"/*.profraw -o "$dir/corpus.profdata"
"$cov" report "${objects[@]:1}" -instr-profile="$dir/corpus.profdata" src/*.c
[[ -n $html ]] && "$cov" show "${objects[@]:1}" -instr-profile="$dir/corpus.profdata" \
	-format=html -output-dir="$html" -show-branches=count src/*.c && echo "html: $html/index.html"
exit 0
