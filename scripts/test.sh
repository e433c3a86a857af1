#!/usr/bin/env bash
# The test command: install what is missing, then
#   1. asan preset (clang, ASan + UBSan, no recovery): every CTest test, which
#      includes the replay of every harness's corpus;
#   2. msan preset: the corpus replay under MemorySanitizer;
#   3. libfuzzer preset: a short smoke run per harness (fixed seed, bounded
#      runs) that fails on any finding.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
jobs=$(nproc)
mapfile -t harnesses <fuzz/harnesses.txt

cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
ctest --preset asan -j"$jobs" --timeout 300

cmake --preset msan >/dev/null
cmake --build --preset msan -j"$jobs" --target vsf-prog "${harnesses[@]/%/_replay}"
ctest --preset msan -j"$jobs" --timeout 300

cmake --preset libfuzzer >/dev/null
cmake --build --preset libfuzzer -j"$jobs" --target "${harnesses[@]}"
ctest --preset libfuzzer -j"$jobs" --timeout 300
