#!/usr/bin/env bash
# The time-to-bug benchmark's --quick mode (label bench): it runs, and its
# outputs are complete: a CSV line per trial, a table row per canary, a PNG.
# Whether a canary was found is the benchmark's result, never asserted here.
# Usage: bench_bugs_quick.sh SOURCE_DIR SECONDS
set -euo pipefail
src=${1:?source dir} secs=${2:?seconds per trial}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-bench-bugs.XXXXXX")
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL (bench-bugs --quick): $*" >&2; cat "$t/log" >&2 2>/dev/null; exit 1; }

"$src/scripts/bench-bugs.sh" --quick --time "$secs" --out "$t/out" >"$t/log" 2>&1 ||
	fail "the benchmark failed"
trials=$(grep -c '^bench-bugs: .* trial 1: ' "$t/log" || true)
((trials > 0)) || fail "no trial ran"
lines=$(($(wc -l <"$t/out/trials.csv") - 1))
((lines == trials)) || fail "$trials trials ran, $lines CSV lines"
for canary in overlap double-close; do
	grep -q "^| $canary |" "$t/out/table.md" || fail "no table row for $canary"
done
grep -q '^| configuration | corpus |' "$t/out/table.md" || fail "no summary table"
[[ $(head -c 8 "$t/out/time-to-bug.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
	fail "time-to-bug.png is not a PNG"
echo "PASS bench-bugs --quick: $trials trials, table, CSV and PNG complete"
grep '^bench-bugs: ' "$t/log"
