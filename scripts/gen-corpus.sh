#!/usr/bin/env bash
# Generate the binary seed corpus from its text sources:
#   corpus/src/<harness>/<name>.txt  ->  corpus/<harness>/<name>
# Seeds are never edited by hand; edit the text and run this again.
# Usage: scripts/gen-corpus.sh [--check]   (--check: fail if corpus/ is stale)
# VSF_PROG may name a vsf-prog binary; otherwise the default preset is built.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

check=0
[[ "${1:-}" == --check ]] && check=1

prog=${VSF_PROG:-}
if [[ -z "$prog" ]]; then
	build_preset default vsf-prog >/dev/null
	prog=build/default/tools/vsf-prog
fi

stale=0
for src_dir in corpus/src/*/; do
	harness=$(basename "$src_dir")
	out_dir=corpus/$harness
	mkdir -p "$out_dir"
	for txt in "$src_dir"*.txt; do
		out=$out_dir/$(basename "$txt" .txt)
		tmp=$(mktemp)
		"$prog" to-bin -o "$tmp" "$txt"
		if ((check)); then
			if ! cmp -s "$tmp" "$out"; then
				echo "stale seed: $out (run scripts/gen-corpus.sh)" >&2
				stale=1
			fi
			rm -f "$tmp"
		else
			mv "$tmp" "$out"
		fi
	done
done
exit $stale
