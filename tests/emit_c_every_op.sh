#!/usr/bin/env bash
# Every op of the table, in every sample of its fields (tests/op_samples.h),
# through the C emitter and the text form: the C that `vsf-prog to-c` wrote
# for the samples' program compiled (built with tests/emitted_encode.c in
# place of the harness) and gives back the same binary program, and the
# program goes binary -> text -> binary -> text unchanged.
# Usage: emit_c_every_op.sh EMITTED_EXECUTABLE VSF_PROG PROGRAM
set -euo pipefail
exe=${1:?} prog=${2:?} bin=${3:?}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-emit-c.XXXXXX")
trap 'rm -rf "$t"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

"$exe" >"$t/emitted.bin" || fail "the emitted C program failed"
cmp -s "$bin" "$t/emitted.bin" || fail "the emitted C encodes other bytes than $bin"
"$prog" to-text "$bin" >"$t/a.txt"
"$prog" to-bin -o "$t/b.bin" "$t/a.txt"
cmp -s "$bin" "$t/b.bin" || fail "binary -> text -> binary changed the program"
"$prog" to-text "$t/b.bin" >"$t/b.txt"
cmp -s "$t/a.txt" "$t/b.txt" || fail "text -> binary -> text changed the program"
ops=$(grep -cv '^#' "$t/a.txt")
echo "PASS: $ops sample ops: the emitted C and the text form give back the same binary program"
