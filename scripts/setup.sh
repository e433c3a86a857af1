#!/usr/bin/env bash
# Install what the build needs and a fresh machine may lack. Idempotent.
# Usage: scripts/setup.sh [afl]    (afl: also AFL++ from Debian's afl++ package)
set -euo pipefail

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v clang >/dev/null || need+=(clang)
command -v llvm-profdata-14 >/dev/null || command -v llvm-profdata >/dev/null || need+=(llvm)
# The sanitizer and libFuzzer runtimes.
ls /usr/lib/llvm-14/lib/clang/14*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
	need+=(libclang-rt-14-dev)
if [[ "${1:-}" == afl ]]; then
	command -v afl-fuzz >/dev/null || need+=(afl++)
fi
[[ ${#need[@]} -eq 0 ]] && exit 0

echo "setup: installing ${need[*]}" >&2
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${need[@]}" >/dev/null
