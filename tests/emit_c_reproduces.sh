#!/usr/bin/env bash
# A C reproducer written by `vsf-prog to-c` (built from a bug-zoo reproducer
# by CMake, so the emitter's current output is what is tested) runs clean
# with no canary on and reproduces the finding, named by its catcher, with it.
# Usage: emit_c_reproduces.sh EXECUTABLE CANARY CATCHER
set -euo pipefail
exe=${1:?} id=${2:?} catcher=${3:?}
out=$(env -u VSF_CANARY "$exe" 2>&1) || { echo "FAIL: clean run failed: $out" >&2; exit 1; }
grep -q "no finding" <<<"$out" || { echo "FAIL: clean run said: $out" >&2; exit 1; }
if out=$(VSF_CANARY=$id "$exe" 2>&1); then
	echo "FAIL: with canary $id on, the C reproducer ran clean" >&2
	exit 1
fi
grep -qF -- "$catcher" <<<"$out" || { echo "FAIL: not caught by $catcher: $out" >&2; exit 1; }
echo "PASS: the C reproducer is clean without $id and caught by $catcher with it"
