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
