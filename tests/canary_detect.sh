#!/usr/bin/env bash
# One bug-zoo detection test (label `canary`): the reproducer of a canary
#   1. replays clean with no canary switched on;
#   2. with its canary on, is reported, by the catcher its `# catcher:` line
#      names (an oracle such as [reply-protocol], or a sanitizer's words);
#   3. and the canary's counters show its site reached and its bad condition
#      triggered.
# Usage: canary_detect.sh BUILD_DIR HARNESS REPRODUCER.txt
set -euo pipefail
shopt -s extglob

bin=${1:?build dir} harness=${2:?harness} src=${3:?reproducer}
id=$(sed -n 's/^# canary: //p' "$src")
catcher=$(sed -n 's/^# catcher: //p' "$src")
replay=$bin/fuzz/${harness}_replay
subject="canary $id"
# shellcheck source=tests/detect_outputs.sh
. "$(dirname "$0")/detect_outputs.sh"

[[ $id && $catcher ]] || fail "$src lacks its '# canary:' or '# catcher:' line"
"$bin/tools/vsf-prog" to-bin -o "$t/input" "$src"

env -u VSF_CANARY "$replay" "$t/input" >"$t/off.out" 2>&1 ||
	fail "with no canary on, the reproducer reports a finding"
grep -q "no finding" "$t/off.out" || fail "with no canary on, the replay did not finish"

if VSF_CANARY=$id VSF_CANARY_COUNTS=$t/counts "$replay" "$t/input" >"$t/on.out" 2>&1; then
	fail "with the canary on, nothing was detected"
fi
grep -qF -- "$catcher" "$t/on.out" || fail "detected, but not by $catcher"

counts=$("$bin/fuzz/vsf-canary-counts" "$t/counts") || fail "no counters in $t/counts"
line=$(grep -E "canary $id +reached" <<<"$counts") || fail "site never reached: $counts"
if ! [[ $line =~ triggered\ ([0-9]+) ]] || ((BASH_REMATCH[1] == 0)); then
	fail "never triggered: $line"
fi
counters=${line#*canary "$id"}
echo "PASS canary $id ($harness): caught by $catcher; counters: ${counters##*( )}"
