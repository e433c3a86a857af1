#!/usr/bin/env bash
# Print the run digest of every committed input, one line each: what the
# front-end did for it (replay_main.c's -d). A change that must not change
# behaviour (a refactoring) gives the same output before and after:
#   scripts/digests.sh build/asan >before.txt   # on the old tree
#   scripts/digests.sh build/asan >after.txt    # on the new tree
#   diff before.txt after.txt
# Covers each harness's corpus and regressions, the benchmark's naive corpus,
# and the bug-zoo reproducers (converted from text, no canary switched on).
# Usage: scripts/digests.sh BUILD_DIR   (the harnesses' _replay and vsf-prog built)
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:?usage: scripts/digests.sh BUILD_DIR}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-digests.XXXXXX")
trap 'rm -rf "$t"' EXIT

# replay HARNESS PATH...: digests with the repository-relative path.
replay() {
	local harness=$1
	shift
	env -u VSF_CANARY "$bin/fuzz/${harness}_replay" -d "$@" 2>/dev/null |
		sed -n "s|^digest \(0x[0-9a-f]*\) \(.*\)|\1 ${harness} \2|p" | sed "s|$t/||; s|$PWD/||"
}

mapfile -t harnesses <fuzz/harnesses.txt
for h in "${harnesses[@]}"; do
	replay "$h" "corpus/$h"
	[[ -d corpus/regressions/$h ]] && replay "$h" "corpus/regressions/$h"
	for src in corpus/canaries/"$h"/*.txt; do
		[[ -e $src ]] || continue
		out=$t/canary-${src##*/}
		"$bin/tools/vsf-prog" to-bin -o "${out%.txt}" "$src"
		replay "$h" "${out%.txt}"
	done
done
replay bench_naive_wire corpus/bench/naive_wire
