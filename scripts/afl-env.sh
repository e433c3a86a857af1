# shellcheck shell=bash
# Sourced by the scripts that run afl-fuzz (fuzz-afl.sh, bench-bugs.sh): the
# environment it needs on a shared machine, and the cleanup after it.

# No CPU governor or core_pattern changes, no core binding, no curses UI.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1
export ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1

# CMPLOG: the CMPLOG build is the target itself, with `-c 0`. AFL++ 4.04c
# (Debian 12's) starts its CMPLOG fork server from the target's path, not
# from the binary -c names (the process bears the CMPLOG binary's name and
# runs the plain one), so `-c CMPLOG_BINARY -- PLAIN_BINARY` logs no
# comparison at all. The CMPLOG build has the plain build's coverage too.
# docs/fuzzing.md, "Comparison operands in fields".

# AFL++'s CMPLOG fork server runs in a session of its own and can outlive
# afl-fuzz, stopped and re-parented to init: kill those left of binary $1,
# never one whose afl-fuzz still runs.
afl_kill_orphans() {
	local p
	for p in $(pgrep -f -x "$1" || true); do
		[[ $(ps -o ppid= -p "$p" | tr -d ' ') == 1 ]] && kill -KILL "$p" 2>/dev/null
	done
	return 0
}
