#!/usr/bin/env bash
# Minimize a crashing input with libFuzzer, or a corpus directory by merging.
#   scripts/minimize.sh HARNESS crash-FILE   -> crash-FILE.min (+ its text form)
#   scripts/minimize.sh HARNESS DIR          -> DIR.min (same coverage, fewer inputs)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

if (($# != 2)) || ! grep -qx "$1" fuzz/harnesses.txt; then
	echo "usage: $0 HARNESS FILE|DIR   (harnesses: $(tr '\n' ' ' <fuzz/harnesses.txt))" >&2
	exit 2
fi
harness=$1 input=${2%/}
scripts/setup.sh
build_preset libfuzzer "$harness" vsf-prog >/dev/null
bin=build/libfuzzer/fuzz/$harness
if [[ -d $input ]]; then
	rm -rf "$input.min" && mkdir -p "$input.min"
	"$bin" -merge=1 "$input.min" "$input"
	echo "minimized corpus: $input.min ($(find "$input.min" -type f | wc -l) of $(find "$input" -type f | wc -l) inputs)"
else
	"$bin" -minimize_crash=1 -runs=20000 -exact_artifact_path="$input.min" "$input" || true
	[[ -f $input.min ]] || { echo "minimize.sh: no smaller input reproduces" >&2; exit 1; }
	build/libfuzzer/tools/vsf-prog to-text "$input.min" | tee "$input.min.txt"
	echo "minimized: $input.min ($(stat -c %s "$input.min") of $(stat -c %s "$input") bytes)"
fi
