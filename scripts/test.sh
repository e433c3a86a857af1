#!/usr/bin/env bash
# The test command: install what is missing, then
#   0. shellcheck over scripts/, tests/*.sh, .ci/run and
#      .clusterfuzzlite/build.sh: any finding fails the run;
#   1. asan preset (clang, ASan + UBSan, no recovery): every CTest test, which
#      includes the replay of every harness's corpus, the end-to-end and
#      interop tests, a check that the build carries no canary, and (label
#      oss-fuzz) the OSS-Fuzz / ClusterFuzzLite build of .clusterfuzzlite/
#      for libFuzzer and AFL++, each harness run over its seed zip, and the
#      ClusterFuzzLite workflows (parse, every harness named);
#   2. canary preset: the bug-zoo detection tests (each canary's reproducer is
#      caught by its oracle or sanitizer, and runs clean with it off), the
#      finding tools (repro, triage, the C reproducer) on them, and the
#      time-to-bug benchmark's --quick mode (its outputs complete);
#   3. msan preset: the corpus replay and the MemorySanitizer-only canaries;
#   4. libfuzzer preset: a short smoke run per harness (fixed seed, bounded
#      runs) that fails on any finding, no canary in the build, and a
#      60-second campaign over every harness (scripts/fuzz.sh) that must
#      write summary.md, the plots and the HTML coverage;
#   5. default and afl presets: no canary in the library, the programs and
#      the harnesses of a release build and of an AFL++ build, and AFL++'s
#      coverage map fed by src/ alone (tests/afl_coverage_scope.sh);
#   6. mutation preset (src/ as the mutant schema): mutation analysis's
#      quick mode and its generator's tests (label mutation).
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

scripts/setup.sh afl gnuplot shellcheck oss-fuzz qemu
shellcheck -x scripts/*.sh tests/*.sh .ci/run .clusterfuzzlite/build.sh
jobs=$(nproc)
mapfile -t harnesses <fuzz/harnesses.txt
replays=("${harnesses[@]/%/_replay}")
programs=(vhost-shmem-frontend vsf-demo-backend)

build_preset asan
ctest --preset asan -j"$jobs" --timeout 300 -LE soak

build_preset canary vsf-prog vsf-canary-counts "${replays[@]}" "${programs[@]}" bench_naive_wire_replay \
	emitted_unmap_partial
ctest --preset canary -j"$jobs" --timeout 300

build_preset msan vsf-prog vsf-canary-counts "${replays[@]}" "${programs[@]}"
ctest --preset msan -j"$jobs" --timeout 300

build_preset libfuzzer "${harnesses[@]}" "${programs[@]}"
ctest --preset libfuzzer -j"$jobs" --timeout 300

for preset in default afl; do
	targets=("${programs[@]}")
	[[ $preset == afl ]] && targets+=("${harnesses[@]}")
	build_preset "$preset" "${targets[@]}"
	bash tests/no_canaries.sh "build/$preset" .
done
bash tests/afl_coverage_scope.sh build/afl "${harnesses[@]}"

build_preset mutation
ctest --preset mutation --timeout 900
