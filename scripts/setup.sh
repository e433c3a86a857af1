#!/usr/bin/env bash
# Install what the build needs and a fresh machine may lack. Idempotent.
# Usage: scripts/setup.sh [afl] [gnuplot] [perf] [shellcheck] [oss-fuzz] [qemu] [interop]
#   afl:     also AFL++ from Debian's afl++ package
#   "shellcheck": also shellcheck (scripts/test.sh checks the shell scripts)
#   oss-fuzz: also zip, unzip and Python's yaml module (the OSS-Fuzz build's
#            seed zips and the test of it and of the workflow files)
#   gnuplot: also gnuplot (the benchmarks' plots)
#   perf:    also perf (linux-perf, for scripts/profile-fuzz.sh)
#   qemu:    also try qemu-system-common (qemu-storage-daemon, for the interop
#            CTest test) and qemu-system-x86 (QEMU as a target of the
#            out-of-process driver, for the `target` tests): when that
#            install fails, say so and go on; those tests then report
#            themselves skipped
#   interop: the same, but fail if it cannot be installed
# Nothing is fetched when everything asked for is there.
set -euo pipefail

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v clang >/dev/null || need+=(clang)
command -v llvm-profdata-14 >/dev/null || command -v llvm-profdata >/dev/null || need+=(llvm)
# The sanitizer and libFuzzer runtimes.
ls /usr/lib/llvm-14/lib/clang/14*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
	need+=(libclang-rt-14-dev)
want_interop=0 want_qemu=0
for arg in "$@"; do
	case $arg in
	afl) command -v afl-fuzz >/dev/null || need+=(afl++) ;;
	gnuplot) command -v gnuplot >/dev/null || need+=(gnuplot-nox) ;;
	perf) command -v perf >/dev/null || need+=(linux-perf) ;;
	shellcheck) command -v shellcheck >/dev/null || need+=(shellcheck) ;;
	oss-fuzz)
		command -v zip >/dev/null || need+=(zip)
		command -v unzip >/dev/null || need+=(unzip)
		python3 -c 'import yaml' 2>/dev/null || /usr/bin/python3 -c 'import yaml' 2>/dev/null ||
			need+=(python3-yaml)
		;;
	qemu) want_qemu=1 ;;
	interop) want_qemu=1 want_interop=1 ;;
	*) echo "setup.sh: unknown argument $arg" >&2; exit 2 ;;
	esac
done
# Optional unless asked for with interop: installed apart, without its recommends.
optional=()
((want_qemu)) && ! command -v qemu-storage-daemon >/dev/null && optional+=(qemu-system-common)
((want_qemu)) && ! command -v qemu-system-x86_64 >/dev/null && optional+=(qemu-system-x86)
[[ ${#need[@]} -eq 0 && ${#optional[@]} -eq 0 ]] && exit 0

SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Offline, the update fails: fatal only when something required is missing.
if ! $SUDO apt-get update -qq; then
	[[ ${#need[@]} -eq 0 && $want_interop == 0 ]] || exit 1
	echo "setup: warning: apt-get update failed; not installing ${optional[*]}" \
		"(the interop and target tests will be skipped)" >&2
	exit 0
fi
if [[ ${#need[@]} -gt 0 ]]; then
	echo "setup: installing ${need[*]}" >&2
	$SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [[ ${#optional[@]} -gt 0 ]]; then
	echo "setup: installing ${optional[*]}" >&2
	if ! $SUDO apt-get install -y -qq --no-install-recommends "${optional[@]}" >/dev/null; then
		((want_interop == 0)) || exit 1
		echo "setup: warning: cannot install ${optional[*]}; the interop and target tests will be skipped" >&2
	fi
fi
