#!/usr/bin/env bash
# Kept targets (label `target`; VSF_TARGET_KEEP=1, docs/targets.md):
#   1. our ASan program with --reconnect, kept across the committed corpora
#      and regression inputs (one replay per harness, every input run
#      twice), gives every input
#      the verdict a fresh target per input gives, and was really kept;
#      a refusal seed's start-up it leaves is counted refused_kept;
#   2. a target that keeps a state change from one session to the next (a
#      shared mapping left behind: tests/fake_frontend.c reconnect-leak) is
#      not kept: the next input gets a fresh one, said and counted; the same
#      stand-in without the leak is kept;
#   3. nothing is left: no target process, no socket directory.
# Usage: target_keep.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

bin=${1:?build dir} src=${2:?source dir}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-keep.XXXXXX")
trap 'rm -rf "$t"' EXIT
export TMPDIR=$t VSF_VERDICTS=1
replay=$bin/fuzz/fuzz_frontend_process_replay prog=$bin/tools/vsf-prog
profile=$src/scenario/targets/vhost-shmem-frontend.profile

fail() {
	echo "FAIL (kept target): $*" >&2
	exit 1
}

# run NAME KEEP CMD PROFILE INPUT...: a replay in $t/NAME.log, its counters in $t/NAME.stats.
run() {
	local name=$1 keep=$2 cmd=$3 prof=$4
	shift 4
	mkdir -p "$t/stats-$name"
	VSF_TARGET_KEEP=$keep VSF_TARGET_CMD=$cmd VSF_TARGET_PROFILE=$prof \
		VSF_TARGET_STATS=$t/stats-$name "$replay" "$@" >"$t/$name.log" 2>&1 ||
		{ tail -n 30 "$t/$name.log" >&2; fail "$name: the replay failed"; }
	cat "$t/stats-$name"/*.stats >"$t/$name.stats"
}

# count NAME KEY: a counter of run NAME.
count() {
	sed -E "s/(^|.* )$2 ([0-9]+).*/\\2/" "$t/$1.stats"
}

# 1. The same verdicts, kept and fresh.
frontend="$bin/tools/vhost-shmem-frontend --max-mappings 8 --allow-shrinkable-fds --timeout-ms 500 --reconnect {socket}"
mapfile -t harnesses <"$src/fuzz/harnesses.txt"
for h in "${harnesses[@]}"; do
	dirs=("$src/corpus/$h")
	[[ -d $src/corpus/regressions/$h ]] && dirs+=("$src/corpus/regressions/$h")
	run "fresh-$h" 0 "$frontend" "$profile" "${dirs[@]}"
	run "kept-$h" 1 "$frontend" "$profile" "${dirs[@]}"
	diff <(grep -E '^replay:|target verdict' "$t/fresh-$h.log") \
		<(grep -E '^replay:|target verdict' "$t/kept-$h.log") >&2 ||
		fail "$h: verdicts differ between kept and fresh targets"
	kept=$(count "kept-$h" kept) inputs=$(count "kept-$h" inputs)
	((kept * 2 > inputs)) || fail "$h: $kept of $inputs runs took a kept target"
	(($(count "fresh-$h" kept) == 0)) || fail "$h: a target was kept without VSF_TARGET_KEEP=1"
	echo "$h: $inputs runs, verdicts as fresh; $kept on a kept target, restarts:" \
		"unclean $(count "kept-$h" unclean), refused_kept $(count "kept-$h" refused_kept)," \
		"lost $(count "kept-$h" lost)"
	refused_kept=$((${refused_kept:-0} + $(count "kept-$h" refused_kept)))
done
# The corpora's refusal seeds, on a kept target: a fresh one refuses them
# too, and they are counted as refusals, not as kept targets lost.
((refused_kept > 0)) || fail "no start-up counted refused_kept over the corpora's refusal seeds"

# 2. A state kept from the session before: a fresh target instead.
cat >"$t/fake.profile" <<'PROFILE'
name fake-reconnecting
shmem no
on-disconnect stays
keep reconnect
settle-ms 20
PROFILE
"$prog" to-bin -o "$t/settings" - <<<'config nregions=0'
for i in 1 2 3; do cp "$t/settings" "$t/input$i"; done
run leak 1 "$bin/tests/fake_frontend reconnect-leak {socket}" "$t/fake.profile" "$t"/input?
grep -q "target restarted fresh: the kept target's state is not a fresh start's: + map len" "$t/leak.log" ||
	fail "a mapping left behind did not restart the target"
# 3 inputs, each run twice: every run after the first finds the leak.
(($(count leak unclean) == 5)) || fail "$(count leak unclean) unclean restarts, not 5"
run noleak 1 "$bin/tests/fake_frontend reconnect {socket}" "$t/fake.profile" "$t"/input?
(($(count noleak unclean) == 0 && $(count noleak kept) == 5)) ||
	fail "the stand-in without a leak: $(cat "$t/noleak.stats")"
echo "leaking stand-in: $(count leak unclean) unclean restarts; without the leak kept $(count noleak kept) times"

# 3. Nothing left behind.
sleep 0.2
! pgrep -f -- "$t/" >/dev/null || fail "a target is left: $(pgrep -af -- "$t/")"
[[ -z $(find "$t" -maxdepth 1 -name 'vsf-target.*') ]] || fail "a socket directory is left"
echo "PASS: kept targets"
