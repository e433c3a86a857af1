#!/usr/bin/env bash
# Reproduce a finding without a fuzzer: build the harness's replay binary
# (ASan + UBSan), print the input as a text program, and run it.
#   scripts/repro.sh HARNESS FILE [FILE...]
# Exits non-zero if an input still fails; the report names the oracle and op.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

if (($# < 2)) || ! grep -qx "$1" fuzz/harnesses.txt; then
	echo "usage: $0 HARNESS FILE...   (harnesses: $(tr '\n' ' ' <fuzz/harnesses.txt))" >&2
	exit 2
fi
harness=$1
shift
scripts/setup.sh
build_preset asan "${harness}_replay" vsf-prog >/dev/null
for f in "$@"; do
	echo "---- $f as a program:"
	build/asan/tools/vsf-prog to-text "$f"
done
echo "----"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} exec "build/asan/fuzz/${harness}_replay" "$@"
