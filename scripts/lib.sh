# shellcheck shell=bash
# Sourced by the scripts: what several of them do.

# any_alive PID...: whether one of the processes still runs.
any_alive() {
	local p
	for p; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}

# build_preset PRESET [TARGET...]: configure the CMake preset (quietly) and
# build the targets, all of them when none is named, on every core.
build_preset() {
	local preset=$1
	shift
	cmake --preset "$preset" >/dev/null
	cmake --build --preset "$preset" -j"$(nproc)" ${1:+--target "$@"}
}

# reap_targets DIR: end the front-end targets (fuzz_frontend_process's)
# whose socket is in DIR (their TMPDIR) and whose driver is gone, each with
# its process group, and remove their socket directories. A driver that
# does not end normally (it aborts on a finding, its engine kills it on a
# timeout or at the campaign's end) leaves its target running: the target
# leads a process group of its own. Prints how many it ended.
reap_targets() {
	local dir=$1 pid ppid leaders=() left
	for pid in $(pgrep -f -- "$dir/vsf-target\." || true); do
		# A target leads its group (what it started stays in it).
		[[ $(ps -o pgid= -p "$pid" | tr -d ' ') == "$pid" ]] || continue
		ppid=$(ps -o ppid= -p "$pid" | tr -d ' ')
		[[ $(cat "/proc/$ppid/comm" 2>/dev/null) == fuzz_frontend_p* ]] && continue # its driver runs
		leaders+=("$pid")
	done
	for pid in "${leaders[@]}"; do
		{ tr '\0' '\n' <"/proc/$pid/cmdline"; } 2>/dev/null |
			grep -oE -- "$dir/vsf-target\.[A-Za-z0-9]+" >>"$dir/.reaped-dirs" || true
		kill -TERM -- "-$pid" 2>/dev/null || true
	done
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		left=0
		for pid in "${leaders[@]}"; do kill -0 -- "-$pid" 2>/dev/null && left=1; done
		((left)) || break
		sleep 0.2
	done
	for pid in "${leaders[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
	if [[ -f $dir/.reaped-dirs ]]; then
		sort -u "$dir/.reaped-dirs" | xargs -r rm -rf --
		rm -f "$dir/.reaped-dirs"
	fi
	echo "${#leaders[@]}"
}

# repo_path PATH: PATH relative to the repository when inside it (for
# commands printed in reports), else as it is.
repo_path() {
	local root
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	echo "${1#"$root"/}"
}

# abs PATH: PATH as the caller wrote it, from where the script was started
# ($here, set before the script changes directory); empty stays empty.
abs() {
	[[ -z $1 || $1 == /* ]] && echo "$1" || echo "${here:?}/$1"
}

# libfuzzer_flags TARGET [DICT]: libFuzzer's flags from fuzz/TARGET.options,
# one a line, its dict resolved in dict/ (or DICT instead).
libfuzzer_flags() {
	local target=$1 dict=${2:-} root key value
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	while IFS='=' read -r key value; do
		key=$(echo "$key" | tr -d ' ') value=$(echo "$value" | tr -d ' ')
		[[ -z $key || $key == \[* || $key == \#* ]] && continue
		if [[ $key == dict ]]; then
			[[ -z $dict ]] || continue
			value=$root/dict/$value
		fi
		echo "-$key=$value"
	done <"$root/fuzz/$target.options"
	[[ -z $dict ]] || echo "-dict=$dict"
}

# timeout_ms TARGET: the timeout of fuzz/TARGET.options (libFuzzer's, in
# seconds) in milliseconds, for afl-fuzz -t.
timeout_ms() {
	local root
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	echo "$(sed -nE 's/^ *timeout *= *([0-9]+).*/\1/p' "$root/fuzz/$1.options")000"
}

# afl_map_size CMD: the coverage map size of the program a front-end command
# runs when it is built with AFL++'s instrumentation (its first word that is
# an executable carrying AFL++'s runtime: `env VAR=x prog ...` finds prog),
# as `AFL_DUMP_MAP_SIZE=1 prog` prints it; nothing for any other target.
afl_map_size() {
	local words w bin
	read -ra words <<<"$1"
	for w in "${words[@]}"; do
		[[ $w == *=* || $w == -* ]] && continue
		bin=$(command -v -- "$w" 2>/dev/null) || continue
		[[ -f $bin && -x $bin ]] || continue
		grep -q AFL_DUMP_MAP_SIZE "$bin" 2>/dev/null || continue
		AFL_DUMP_MAP_SIZE=1 "$bin" 2>/dev/null | head -n 1 || true
		return 0
	done
}

# target_coverage CMD DRIVER [MAP_SIZE]: how an AFL++ campaign of DRIVER (an
# AFL++ build of fuzz_frontend_process) against the front-end command CMD is
# guided; exports VSF_TARGET_COVERAGE, which the campaign's report reads. A
# target built with AFL++'s instrumentation (found by afl_map_size, or its
# map size given as MAP_SIZE when CMD runs it through a wrapper; 0: treat it
# as uninstrumented) shares the campaign's map: "coverage-guided", with
# VSF_TARGET_MAP_SIZE (the target's map; the driver then keeps its own edges
# out, fuzz/afl_target_map.c) and AFL_MAP_SIZE (the larger of the two
# programs' maps) exported. Any other target: "black-box", guided by the
# driver's own edges only.
target_coverage() {
	local t=${3:-} d
	[[ -n $t ]] || t=$(afl_map_size "$1")
	if [[ -z $t || $t == 0 ]]; then
		unset VSF_TARGET_MAP_SIZE
		export VSF_TARGET_COVERAGE=black-box
		return 0
	fi
	d=$(AFL_DUMP_MAP_SIZE=1 "$2" 2>/dev/null | head -n 1 || true)
	export VSF_TARGET_MAP_SIZE=$t AFL_MAP_SIZE=$((t > ${d:-0} ? t : d)) VSF_TARGET_COVERAGE=coverage-guided
}

# merged_dict: the dictionaries of every harness of fuzz/harnesses.txt as
# one, for the driver of a front-end process (it plays their programs).
merged_dict() {
	local h
	while read -r h; do cat "dict/$h.dict"; done <fuzz/harnesses.txt |
		awk '!/^#/ && NF && !seen[$0]++'
}
