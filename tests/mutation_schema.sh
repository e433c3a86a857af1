#!/usr/bin/env bash
# mutation/schema.py (docs/mutation.md): a mutant's id does not change when
# code elsewhere does (a function added before every other of a file), a
# bug-zoo description whose anchor is gone, or names two places without an
# occurrence, fails the generation instead of mutating something else, and
# the trigger counters count what they must (tests/mutation_triggers/: a
# sample file's schema built with the runtime, run with each mutant on).
# Usage: mutation_schema.sh SOURCE_DIR
set -euo pipefail
src=${1:?source dir}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-mutation-schema.XXXXXX")
trap 'rm -rf "$t"' EXIT
files=(wire.c error.c channel.c regions.c backend_dispatch.c frontend.c syscalls.c)

# schema OUT SRCDIR [ARGS...]: the schema of SRCDIR's files into OUT.
schema() {
	local out=$1 dir=$2
	shift 2
	python3 "$src/mutation/schema.py" --out "$out" -I "$dir" "$@" -- "${files[@]/#/$dir/}"
}

mkdir -p "$t/edited"
cp "$src"/src/*.[ch] "$t/edited/"
# A helper before the first function of regions.c, with mutants of its own.
awk '!done && /^void vsf_regions_init\(/ {
	print "static int added_helper(int x)\n{\n\tif (x < 3)\n\t\treturn x + 1;\n\treturn 0;\n}\n"; done = 1 }
	{ print }' "$src/src/regions.c" >"$t/edited/regions.c"
schema "$t/before" "$src/src" --mutants
schema "$t/after" "$t/edited" --mutants
cut -f2 "$t/before/mutants.tsv" | sort >"$t/ids.before"
cut -f2 "$t/after/mutants.tsv" | sort >"$t/ids.after"
lost=$(comm -23 "$t/ids.before" "$t/ids.after")
added=$(comm -13 "$t/ids.before" "$t/ids.after" | grep -vc ':added_helper:' || true)
[[ -z $lost && $added == 0 ]] || {
	echo "FAIL: ids changed by an edit elsewhere: lost ${lost:-none}; $added new outside the helper" >&2
	exit 1
}
grep -q ':added_helper:' "$t/ids.after" || { echo "FAIL: the added helper has no mutant" >&2; exit 1; }

# A description must name one place, and a place that is there.
d=$src/corpus/canaries/fuzz_backend_channel/overlap.mutant
sed 's/^anchor: busy$/anchor: no_such_variable/' "$d" >"$t/gone.mutant"
sed '/^where: if$/d' "$src/corpus/canaries/fuzz_frontend_session/config-uninit.mutant" |
	sed '/^occurrence:/d' >"$t/ambiguous.mutant"
for bad in gone ambiguous; do
	if schema "$t/$bad" "$src/src" --canaries "$t/$bad.mutant" 2>"$t/$bad.err"; then
		echo "FAIL: the $bad anchor was applied" >&2
		exit 1
	fi
	grep -q 'anchor' "$t/$bad.err" || { cat "$t/$bad.err" >&2; exit 1; }
done
schema "$t/zoo" "$src/src" --canaries "$src"/corpus/canaries/*/*.mutant

# Triggers: a mutant never triggered behaves as the original, operands are
# evaluated once, the sample's listed mutants are counted as expected.
tr=$src/tests/mutation_triggers
python3 "$src/mutation/schema.py" --out "$t/triggers" --mutants -I "$tr" -- "$tr/sample.c"
clang -O1 -fsanitize=undefined -fno-sanitize-recover=all -I "$src/mutation/runtime" -I "$tr" \
	-o "$t/triggers/driver" "$tr/driver.c" "$t/triggers/sample.c" "$t/triggers/mutants_table.c" \
	"$src/mutation/runtime/mutant.c" "$src/mutation/runtime/switches.c"
triggers=$(python3 "$tr/check.py" "$t/triggers/driver" "$t/triggers/mutants.tsv" "$tr/expected.txt" \
	"$src/mutation" "$t/triggers")
echo "PASS: $(wc -l <"$t/ids.before") ids unchanged by an added function; bad anchors refused; the bug zoo applies; triggers: $triggers"
