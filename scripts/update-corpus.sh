#!/usr/bin/env bash
# Fold a campaign's corpus back into the tree:
#   scripts/update-corpus.sh HARNESS CAMPAIGN-DIR
# corpus/HARNESS/ becomes its seeds generated from text (corpus/src/HARNESS/,
# kept as they are) plus the smallest set of other inputs that libFuzzer's
# merge finds adding coverage to them, taken from the inputs merged before
# and from CAMPAIGN-DIR/corpus (libFuzzer) and CAMPAIGN-DIR/*/queue (AFL++).
# fuzz.sh --update-corpus runs it for every harness of the campaign.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

harness=${1:?usage: update-corpus.sh HARNESS CAMPAIGN-DIR} from=${2:?usage: update-corpus.sh HARNESS CAMPAIGN-DIR}
grep -qx -- "$harness" fuzz/harnesses.txt || { echo "update-corpus.sh: no harness $harness" >&2; exit 2; }
build_preset libfuzzer "$harness" >/dev/null
bin=build/libfuzzer/fuzz/$harness
max_len=$(sed -nE 's/^ *max_len *= *([0-9]+).*/\1/p' "fuzz/$harness.options")
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-update-corpus.XXXXXX")
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/merged" "$t/earlier"

# Seeds from text stay; what was merged before competes again with the new.
declare -A from_text
for txt in corpus/src/"$harness"/*.txt; do
	from_text[$(basename "$txt" .txt)]=1
done
before=0
for f in corpus/"$harness"/*; do
	[[ -f $f ]] || continue
	before=$((before + 1))
	if [[ -n ${from_text[$(basename "$f")]:-} ]]; then
		cp "$f" "$t/merged/"
	else
		cp "$f" "$t/earlier/"
	fi
done
sources=("$t/earlier")
for d in "$from/corpus" "$from"/*/queue; do
	[[ -d $d ]] && sources+=("$d")
done
"$bin" -merge=1 ${max_len:+-max_len=$max_len} "$t/merged" "${sources[@]}" >"$t/merge.log" 2>&1 || {
	tail -n 20 "$t/merge.log" >&2
	echo "update-corpus.sh: the merge failed; corpus/$harness is unchanged" >&2
	exit 1
}
for f in corpus/"$harness"/*; do
	[[ -n ${from_text[$(basename "$f")]:-} ]] || rm -f "$f"
done
cp -n "$t/merged"/* "corpus/$harness/"
after=$(find "corpus/$harness" -type f | wc -l)
echo "update-corpus.sh: corpus/$harness: $before -> $after inputs (${#from_text[@]} from text)"
