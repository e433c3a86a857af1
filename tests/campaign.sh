#!/usr/bin/env bash
# A 60-second campaign over every harness with two jobs (scripts/fuzz.sh, the
# README's main command) leaves the morning report: summary.md with a row of
# numbers per harness and the coverage of src/, a PNG plot per harness, the
# llvm-cov HTML, a findings index per harness, and no process behind.
# Usage: campaign.sh SOURCE_DIR [SECONDS]
set -euo pipefail
src=${1:?source dir} secs=${2:-60}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-campaign.XXXXXX")
trap 'rm -rf "$t"' EXIT
cd "$src"
fail() {
	echo "FAIL: $*" >&2
	[[ -f $t/out/summary.md ]] && cat "$t/out/summary.md" >&2
	tail -n 30 "$t/log" >&2
	exit 1
}

scripts/fuzz.sh --duration "${secs}s" --jobs 2 --out "$t/out" >"$t/log" 2>&1 || fail "fuzz.sh failed"
[[ -s $t/out/summary.md ]] || fail "no summary.md"
while read -r h; do
	grep -qE "^\| $h \| [0-9]+ \| [0-9]+ \| [0-9]+ edges" "$t/out/summary.md" || fail "no numbers for $h"
	[[ $(head -c 4 "$t/out/$h/progress.png" | od -An -tx1 | tr -d ' ') == 89504e47 ]] ||
		fail "no PNG plot for $h"
	(($(wc -l <"$t/out/$h/timeline.tsv") >= 4)) || fail "timeline of $h has fewer than 3 points"
	[[ -f $t/out/$h/findings/index.md ]] || fail "no findings index for $h"
done <fuzz/harnesses.txt
grep -qE '^TOTAL +[0-9]+' "$t/out/summary.md" || fail "no coverage total in summary.md"
[[ -f $t/out/coverage/html/index.html ]] || fail "no HTML coverage"
sleep 1
if pgrep -f "$t/out" >/dev/null; then
	pgrep -af "$t/out" >&2
	fail "processes of the campaign are left behind"
fi
echo "PASS campaign: summary.md, a PNG per harness, HTML coverage, nothing left running"
