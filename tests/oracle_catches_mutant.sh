#!/usr/bin/env bash
# An oracle's own test (label `mutation`, in the mutation build): a mutant of
# src/ that only this oracle sees is caught by it on a committed input:
#   1. the input replays clean with no mutant switched on;
#   2. with the mutant on (VSF_MUTANT), the replay reports a violation of the
#      named oracle ("ORACLE VIOLATION [ORACLE]").
# Without the oracle the replay runs clean with the mutant on, and this fails.
# ORACLE "any": a seed's own test instead, any finding (an oracle, a
# sanitizer, a timeout) counts: the input, not an oracle, is what is checked.
# Usage: oracle_catches_mutant.sh BUILD_DIR HARNESS INPUT MUTANT_ID ORACLE|any
set -euo pipefail

bin=${1:?build dir} harness=${2:?harness} input=${3:?input} id=${4:?mutant id}
oracle=${5:?oracle}
replay=$bin/fuzz/${harness}_replay
subject="mutant $id, oracle $oracle"
# shellcheck source=tests/detect_outputs.sh
. "$(dirname "$0")/detect_outputs.sh"

env -u VSF_MUTANT "$replay" "$input" >"$t/off.out" 2>&1 ||
	fail "with no mutant on, $input reports a finding"
grep -q "no finding" "$t/off.out" || fail "with no mutant on, the replay did not finish"

if VSF_MUTANT=$id "$replay" "$input" >"$t/on.out" 2>&1; then
	fail "with the mutant on, nothing was detected"
fi
if [[ $oracle == any ]]; then
	echo "PASS mutant $id ($harness, ${input##*/}): caught: $(grep -m1 -E '==(vsf|[0-9]+)==' "$t/on.out")"
	exit 0
fi
grep -qF -- "ORACLE VIOLATION [$oracle]" "$t/on.out" || fail "detected, but not by [$oracle]"
echo "PASS mutant $id ($harness, ${input##*/}): caught by [$oracle]"
