#!/usr/bin/env bash
# The test command: install what is missing, build the asan preset
# (clang, ASan + UBSan, no recovery) and run every CTest test.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$(nproc)"
ctest --preset asan -j"$(nproc)" --timeout 300
