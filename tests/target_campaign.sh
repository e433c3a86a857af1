#!/usr/bin/env bash
# A short campaign against a front-end process (label `target`):
# scripts/fuzz.sh --frontend-cmd against our own vhost-shmem-frontend (with
# --reconnect: kept across inputs) under its full SHMEM profile, seeded with
# the committed corpora only (VSF_GROWN_SEEDS=0). Its report must be
# written, with executions and inputs played, the target kept, no finding,
# and nothing may be left running: no engine, no target, no socket
# directory. ENGINE libfuzzer (the default): this build's program (ASan),
# fuzzed black-box; afl: the afl preset's program (afl-clang-fast, ASan),
# which the report must call coverage-guided.
# Usage: target_campaign.sh BUILD_DIR SOURCE_DIR [SECONDS [ENGINE]]
set -euo pipefail
bin=${1:?build dir} src=${2:?source dir} secs=${3:-30} engine=${4:-libfuzzer}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-tcamp.XXXXXX")
trap 'rm -rf "$t"' EXIT

fail() {
	echo "FAIL (target campaign): $*" >&2
	[[ -f $t/out/summary.md ]] && cat "$t/out/summary.md" >&2
	tail -n 30 "$t/log" >&2
	exit 1
}

frontend=$bin/tools/vhost-shmem-frontend mode=black-box
if [[ $engine == afl ]]; then
	command -v afl-fuzz >/dev/null || { echo "SKIP: afl-fuzz not installed (scripts/setup.sh afl)"; exit 77; }
	(cd "$src" && cmake --preset afl >/dev/null && cmake --build --preset afl --target vhost-shmem-frontend) \
		>"$t/build.log" 2>&1 || fail "the afl preset's program does not build"
	frontend=$src/build/afl/tools/vhost-shmem-frontend mode=coverage-guided
fi
[[ -x $frontend ]] || fail "no $frontend"
# --reconnect: its profile says `keep reconnect`, so the campaign keeps it.
cmd="$frontend --max-mappings 8 --allow-shrinkable-fds --timeout-ms 500 --reconnect {socket}"
TMPDIR=$t VSF_GROWN_SEEDS=0 "$src/scripts/fuzz.sh" --frontend-cmd "$cmd" \
	--profile "$src/scenario/targets/vhost-shmem-frontend.profile" --engine "$engine" \
	--duration "${secs}s" --jobs 1 --out "$t/out" >"$t/log" 2>&1 || fail "fuzz.sh failed"
s=$t/out/summary.md
[[ -s $s ]] || fail "no summary.md"
grep -qE '^\| fuzz_frontend_process \| [1-9][0-9]* \| [0-9]+ \|' "$s" || fail "no executions in summary.md"
grep -q "fuzzed $mode" "$s" || fail "summary.md does not say the target is fuzzed $mode"
# inputs played, inputs/s, messages, refused, deviations, not applicable, restarts, targets ended
grep -qE '^\| [1-9][0-9]* \| [0-9.]+ \| [0-9]+ \| [0-9]+ \| 0 \| [0-9]+ \| [0-9]+ \| [0-9]+ \|$' "$s" ||
	fail "no driver counts (or a deviation, which this profile names none of) in summary.md"
grep -q 'No raw findings' "$s" || fail "a finding against our own program"
grep -qE 'kept across inputs \(VSF_TARGET_KEEP=1\): [1-9][0-9]* start-ups on a kept target' "$s" ||
	fail "the target was not kept (its profile says keep reconnect)"
[[ -s $t/out/fuzz_frontend_process/progress.png ]] || fail "no plot"
grep -qE '^\[ *[0-9]+s\] fuzz_frontend_process .*\| inputs [0-9]+' "$t/log" || fail "no progress line with the driver's counts"
sleep 1
! pgrep -af -- "$t/" >&2 || fail "processes of the campaign are left behind"
[[ -z $(find "$t" -name 'vsf-target.*' -print -quit) ]] || fail "a socket directory is left behind"
grep -m1 -E '^\| [1-9]' "$s"
echo "PASS target campaign ($engine, $mode): summary.md, executions, no finding, nothing left running"
