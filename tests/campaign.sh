#!/usr/bin/env bash
# A 60-second campaign over every harness with two jobs (scripts/fuzz.sh, the
# README's main command) leaves the morning report: summary.md with a row of
# numbers per harness and the coverage of src/, PNG plots per harness
# (coverage and executions; executions per second), the
# llvm-cov HTML, a findings index per harness, and no process behind.
# With ENGINE both: an AFL++ and a libFuzzer campaign side by side, each with
# its report, a summary.md over both, and libFuzzer's later segments taking in
# the AFL++ queue (segments of 20 s here).
# Usage: campaign.sh SOURCE_DIR [SECONDS [ENGINE]]
set -euo pipefail
src=${1:?source dir} secs=${2:-60} engine=${3:-libfuzzer}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-campaign.XXXXXX")
trap 'rm -rf "$t"' EXIT
cd "$src"
fail() {
	echo "FAIL: $*" >&2
	[[ -f $t/out/summary.md ]] && cat "$t/out/summary.md" >&2
	tail -n 30 "$t/log" >&2
	exit 1
}

LF_SEGMENT_S=20 scripts/fuzz.sh --engine "$engine" --duration "${secs}s" --jobs 2 --out "$t/out" \
	>"$t/log" 2>&1 || fail "fuzz.sh failed"
[[ -s $t/out/summary.md ]] || fail "no summary.md"
# The report of each engine's campaign (with both, in OUT/afl and OUT/libfuzzer).
reports=("$t/out")
if [[ $engine == both ]]; then
	reports=("$t/out/afl" "$t/out/libfuzzer")
	for e in afl libfuzzer; do
		grep -q "^## $e" "$t/out/summary.md" || fail "summary.md has no $e section"
	done
	while read -r h; do
		grep -q "also takes [0-9]* inputs of $t/out/afl/$h/main/queue" \
			"$t/out/libfuzzer/$h/campaign.log" || fail "libFuzzer never took in the AFL++ queue of $h"
	done <fuzz/harnesses.txt
fi
for r in "${reports[@]}"; do
	[[ -s $r/summary.md ]] || fail "no summary.md in $r"
	while read -r h; do
		# executions, exec/s, exec/s of the first and of the last ten minutes (here halves), coverage
		grep -qE "^\| $h \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9.]+( edges|% of the map)" \
			"$r/summary.md" || fail "no numbers for $h in $r/summary.md"
		for png in progress rate; do
			[[ $(head -c 4 "$r/$h/$png.png" | od -An -tx1 | tr -d ' ') == 89504e47 ]] ||
				fail "no PNG plot $png.png for $h"
		done
		# AFL++ writes the numbers the timeline takes about once a minute.
		min=3
		[[ $r == */afl ]] && min=1
		(($(wc -l <"$r/$h/timeline.tsv") > min)) || fail "timeline of $h has fewer than $min points"
		[[ -f $r/$h/findings/index.md ]] || fail "no findings index for $h"
	done <fuzz/harnesses.txt
done
grep -qE '^TOTAL +[0-9]+' "$t/out/summary.md" || fail "no coverage total in summary.md"
[[ -f $t/out/coverage/html/index.html ]] || fail "no HTML coverage"
sleep 1
if pgrep -f "$t/out" >/dev/null; then
	pgrep -af "$t/out" >&2
	fail "processes of the campaign are left behind"
fi
echo "PASS campaign: summary.md, a PNG per harness, HTML coverage, nothing left running"
