#!/usr/bin/env bash
# The finding tools on known-bad inputs (bug-zoo reproducers with their
# canary on), in a canary build: scripts/repro.sh reproduces and names the
# oracle or sanitizer, the failing op and the harness (found by itself), and
# says when an input runs clean; scripts/triage.sh folds raw findings that
# share a failure into one, with a smaller input that keeps the signature.
# Usage: finding_tools.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=${1:?build dir} src=${2:?source dir}
bin=$(cd "$bin" && pwd)
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-findings.XXXXXX")
trap 'rm -rf "$t"' EXIT
cd "$src"
repro=(scripts/repro.sh --preset canary --build-dir "$bin")
canaries=corpus/canaries

fail() {
	echo "FAIL: $*" >&2
	[[ -e $t/out ]] && tail -n 30 "$t/out" >&2
	exit 1
}

# expect STATUS CMD...: run CMD with output in $t/out, want exit STATUS.
expect() {
	local want=$1 got=0
	shift
	"$@" >"$t/out" 2>&1 || got=$?
	((got == want)) || fail "exit $got, want $want: $*"
}

# 1. An oracle finding from a text program: report names the oracle and op.
VSF_CANARY=unmap-partial expect 1 "${repro[@]}" fuzz_backend_channel \
	$canaries/fuzz_backend_channel/unmap-partial.txt --report "$t/r1"
grep -q "reproduced under fuzz_backend_channel: oracle shadow-model unmap: SHMEM_UNMAP (N): front-end accepted, model says reject (no mapping" "$t/out" ||
	fail "repro does not name the oracle, op kind and what differed"
grep -q '^# Finding: `oracle shadow-model unmap: ' "$t/r1/report.md" || fail "report.md signature"
grep -q '^- failing op: op 3 (unmap)' "$t/r1/report.md" || fail "report.md failing op"
grep -q 'model says reject (no mapping at exactly' "$t/r1/report.md" || fail "report.md reason"
grep -q '^- rerun: `VSF_CANARY=unmap-partial scripts/repro.sh' "$t/r1/report.md" || fail "rerun line"

# 1b. --emit-c writes the C test of the input (tools.emit_c_reproduces builds
#     and runs the emitter's output).
VSF_CANARY=unmap-partial expect 1 "${repro[@]}" $canaries/fuzz_backend_channel/unmap-partial.txt \
	--emit-c "$t/r1.c"
grep -q 'vsf_harness_run_program(VSF_HARNESS_BACKEND_CHANNEL, &program);' "$t/r1.c" ||
	fail "--emit-c wrote no C test"

# 2. The same input with the canary off runs clean: exit 0, says so, and its
#    report says so too.
(unset VSF_CANARY; expect 0 "${repro[@]}" $canaries/fuzz_backend_channel/unmap-partial.txt --report "$t/r2")
grep -q "ran clean under fuzz_backend_channel: not reproduced" "$t/out" || fail "clean run not said"
# shellcheck disable=SC2016 # the backticks are the report's Markdown, not a command
grep -q '^# Finding: `(no finding)`' "$t/r2/report.md" || fail "clean report.md"

# 2b. Two bugs the same oracle catches on the same op kind stay two findings.
VSF_CANARY=overlap expect 1 "${repro[@]}" $canaries/fuzz_backend_channel/overlap.txt
sig_overlap=$(sed -n 's/.*reproduced under [a-z_]*: //p' "$t/out")
VSF_CANARY=bounds-overflow expect 1 "${repro[@]}" $canaries/fuzz_backend_channel/bounds-overflow.txt
sig_bounds=$(sed -n 's/.*reproduced under [a-z_]*: //p' "$t/out")
[[ $sig_overlap == "oracle commit-target map"* && $sig_bounds == "oracle commit-target map"* &&
	$sig_overlap != "$sig_bounds" ]] || fail "overlap and bounds-overflow share a signature: $sig_overlap"

# 3. A sanitizer finding from a binary crash file in a directory that names no
#    harness: the harness is found by trying; signature has the top frames.
"$bin/tools/vsf-prog" to-bin -o "$t/crash-a" $canaries/fuzz_frontend_session/config-trust.txt
VSF_CANARY=config-trust expect 1 "${repro[@]}" "$t/crash-a" --report "$t/r3"
grep -q "reproduced under fuzz_frontend_session: AddressSanitizer:[a-z-]* [a-z_]" "$t/out" ||
	fail "sanitizer signature or harness detection"
grep -q '^- failing op: op [0-9]* (' "$t/r3/report.md" || fail "sanitizer report without its op"

# 3b. The library's own assertion has a signature of its own.
VSF_CANARY=error-twice expect 1 "${repro[@]}" $canaries/fuzz_backend_channel/error-twice.txt
grep -q "reproduced under fuzz_backend_channel: internal-bug error.c:[0-9]*$" "$t/out" ||
	fail "internal bug signature"

# 4. The harness a campaign directory names is used.
mkdir -p "$t/fuzz-out/fuzz_backend_channel-libfuzzer/crashes"
"$bin/tools/vsf-prog" to-bin -o "$t/fuzz-out/fuzz_backend_channel-libfuzzer/crashes/crash-1" \
	$canaries/fuzz_backend_channel/short-payload.txt
VSF_CANARY=short-payload expect 1 "${repro[@]}" "$t/fuzz-out/fuzz_backend_channel-libfuzzer/crashes/crash-1"
grep -q "reproduced under fuzz_backend_channel: AddressSanitizer:use-after-poison" "$t/out" ||
	fail "harness from the path"

# 5. Triage: the same failure found twice (libFuzzer and AFL++ layout, the
#    first with an extra op after the failing one, which minimizing drops) is one finding with 2 raw; a clean
#    input is counted as not reproduced, and listed; input.min keeps the signature.
c=$t/campaign
mkdir -p "$c/crashes" "$c/main/crashes"
cp $canaries/fuzz_backend_channel/unmap-partial.txt "$t/up.txt"
{ grep -v '^#' "$t/up.txt"; echo "reset"; } >"$t/up2.txt"
"$bin/tools/vsf-prog" to-bin -o "$c/crashes/crash-1" "$t/up2.txt"
"$bin/tools/vsf-prog" to-bin -o "$c/main/crashes/id:000000,sig:06" "$t/up.txt"
printf 'connect\nreset\n' >"$t/clean.txt"
"$bin/tools/vsf-prog" to-bin -o "$c/crashes/crash-2" "$t/clean.txt"
VSF_CANARY=unmap-partial expect 0 scripts/triage.sh fuzz_backend_channel "$c" --preset canary \
	--build-dir "$bin"
dirs=("$c"/findings/*/)
((${#dirs[@]} == 1)) || fail "want 1 unique finding, got ${#dirs[@]}"
grep -q '^- raw findings with this signature: 2' "${dirs[0]}report.md" || fail "raw count"
grep -q '3 raw findings, 1 unique, 1 did not reproduce' "$c/findings/index.md" || fail "index.md"
grep -q "^- \`.*crashes/crash-2\`" "$c/findings/index.md" || fail "index.md does not list the one that ran clean"
for f in input input.min program.txt report.md; do
	[[ -s ${dirs[0]}$f ]] || fail "finding lacks $f"
done
VSF_CANARY=unmap-partial expect 1 "${repro[@]}" fuzz_backend_channel "${dirs[0]}input.min"
grep -q "oracle shadow-model unmap" "$t/out" || fail "input.min lost the signature"
(($(grep -vc '^#' "${dirs[0]}program.txt") < $(grep -vc '^#' "$t/up2.txt"))) ||
	fail "input.min is not smaller"
# 6. Every finding is also kept as a report file with its stack (a campaign's
#    reports/, for engines that drop a job's output); a set-up failure of the
#    harness says so, and is folded as such, not as a front-end finding.
mkdir -p "$t/reports"
"$bin/tools/vsf-prog" to-bin -o "$t/up.bin" $canaries/fuzz_backend_channel/unmap-partial.txt
VSF_CANARY=unmap-partial VSF_REPORT_DIR=$t/reports expect 134 \
	"$bin/fuzz/fuzz_backend_channel_replay" "$t/up.bin"
grep -q '^==vsf== ERROR: ORACLE VIOLATION \[shadow-model\] in fuzz_backend_channel at op 3' \
	"$t/out" || fail "the violation line lacks ERROR: (fork mode would drop it)"
report=$(find "$t/reports" -name 'report-*.txt' | head -1)
[[ -n $report ]] || fail "no report file in VSF_REPORT_DIR"
if ! grep -q 'ORACLE VIOLATION \[shadow-model\]' "$report" || ! grep -q '^==vsf== stack' "$report"; then
	fail "the report file lacks the violation or the stack"
fi
# A file size limit of 1 KiB: no memfd can be sized (SIGXFSZ ignored, so
# ftruncate fails with EFBIG); the log goes through a pipe, past the limit.
{ (trap '' XFSZ; ulimit -f 1; exec "$bin/fuzz/fuzz_backend_channel_replay" "$t/up.bin") 2>&1 |
	cat >"$t/setup.log"; } 2>/dev/null || true
. scripts/findings.sh
[[ $(finding_signature "$t/setup.log") == "harness-setup "* ]] ||
	fail "a set-up failure is not folded as one: $(finding_signature "$t/setup.log")"
echo "PASS finding tools: repro names oracle/sanitizer, op, harness; triage dedupes 2 -> 1; reports kept, set-up failures named"
