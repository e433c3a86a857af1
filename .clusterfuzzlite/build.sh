#!/bin/bash -eu
# shellcheck disable=SC2086 # $CFLAGS, $LIB_FUZZING_ENGINE: word lists, split on purpose
# OSS-Fuzz / ClusterFuzzLite build script (their build contract). Every
# harness of fuzz/harnesses.txt goes to $OUT/<harness>, compiled with $CC
# $CFLAGS and linked with $LIB_FUZZING_ENGINE: libFuzzer, or AFL++'s driver
# with CC=afl-clang-fast. Beside each: <harness>_seed_corpus.zip (the binary
# seeds of corpus/<harness>/), <harness>.dict and <harness>.options.
# Objects go to $WORK. The libFuzzer binaries carry the structure-aware
# program mutator (fuzz/mutator_libfuzzer.c: LLVMFuzzerCustomMutator and
# LLVMFuzzerCustomCrossOver); AFL++ takes a custom mutator only as a shared
# library (scripts/fuzz.sh --engine afl), so its driver build goes without.
cd "$SRC/vhost-shmem-fuzz"

# Coverage feedback from the library (src/) only, as in the CMake build
# (CMakeLists.txt): the harness, model, probes and mutator are compiled
# without libFuzzer's instrumentation, and afl-clang-fast skips them
# (fuzz/afl_denylist.txt). fuzz/oracles.c takes the canaries' no-op report from
# mutation/runtime/canary.h.
tool_cflags=${CFLAGS//-fsanitize=fuzzer-no-link/}
export AFL_LLVM_DENYLIST=$PWD/fuzz/afl_denylist.txt
inc=(-std=gnu11 -I"$PWD/src" -I"$PWD/scenario" -I"$PWD/fuzz" -I"$PWD/mutation/runtime")

obj=$WORK/vsf-obj
rm -rf "$obj"
mkdir -p "$obj"
objs=()
compile() { # compile FLAGS SOURCE...: objects into $obj, added to objs
	local flags=$1 f o
	shift
	for f; do
		o=$obj/${f//\//_}.o
		$CC $flags "${inc[@]}" -c "$PWD/$f" -o "$o"
		objs+=("$o")
	done
}
# The harnesses run the faultable build of the library (src/syscalls.h).
compile "$CFLAGS -DVSF_SYSCALL_TABLE" src/{wire,error,channel,regions,backend_dispatch,frontend,syscalls}.c
compile "$tool_cflags" scenario/*.c fuzz/harness*.c fuzz/{shadow_model,oracles}.c fuzz/oracle_*.c
[[ $FUZZING_ENGINE == afl ]] || compile "$tool_cflags" fuzz/{mutator,mutator_libfuzzer}.c

while read -r h; do
	$CC $tool_cflags "${inc[@]}" "fuzz/$h.c" "${objs[@]}" $LIB_FUZZING_ENGINE -o "$OUT/$h"
	rm -f "$OUT/${h}_seed_corpus.zip"
	zip -q -j "$OUT/${h}_seed_corpus.zip" corpus/"$h"/*
	cp "dict/$h.dict" "$OUT/$h.dict"
	cp "fuzz/$h.options" "$OUT/$h.options"
done <fuzz/harnesses.txt
