#!/usr/bin/env bash
# The target's own edges reach AFL++'s map (label `target`): afl-showmap on
# the AFL++ build of fuzz_frontend_process, over two committed inputs,
# against our vhost-shmem-frontend built two ways:
#   - this build's (ASan, no AFL++ instrumentation): black-box, the map holds
#     the driver's own edges only;
#   - the afl preset's (afl-clang-fast, ASan), found instrumented by
#     lib.sh's target_coverage: coverage-guided, the map must hold clearly
#     more entries, some above the driver's own map size (afl-fuzz reads
#     the target's whole map, not only as many entries as the driver has);
#   - the ASan program under the coverage-guided settings: the map must be
#     empty, the driver's own edges kept out of the target's.
# Skipped (77) without AFL++.
# Usage: afl_target_coverage.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
bin=$(cd "${1:?build dir}" && pwd) src=$(cd "${2:?source dir}" && pwd)
for tool in afl-showmap afl-clang-fast; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (scripts/setup.sh afl)"; exit 77; }
done
cd "$src"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-tcov.XXXXXX")
trap 'reap_targets "$t" >/dev/null; rm -rf "$t"' EXIT

fail() {
	echo "FAIL (target coverage): $*" >&2
	exit 1
}

build_preset afl fuzz_frontend_process vhost-shmem-frontend >"$t/build.log" 2>&1 ||
	{ tail -n 20 "$t/build.log" >&2; fail "the afl preset does not build"; }
driver=$src/build/afl/fuzz/fuzz_frontend_process
args="--max-mappings 8 --allow-shrinkable-fds --timeout-ms 500 {socket}"
plain="$bin/tools/vhost-shmem-frontend $args" instrumented="$src/build/afl/tools/vhost-shmem-frontend $args"
export VSF_TARGET_PROFILE=$src/scenario/targets/vhost-shmem-frontend.profile
export AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=1

# entries NAME TARGET-COMMAND: the map entries the driver's run of each
# input leaves, summed over the inputs; their highest index in $t/NAME.max.
entries() {
	local name=$1 input n=0
	: >"$t/$1.all"
	for input in corpus/fuzz_backend_channel/map_unmap_rw corpus/fuzz_frontend_session/negotiate_map_unmap; do
		VSF_TARGET_CMD=$2 TMPDIR=$t timeout 120 afl-showmap -q -m none -t 30000 -o "$t/map" -- "$driver" \
			<"$input" >"$t/$name.log" 2>&1 || true
		[[ -f $t/map ]] || { cat "$t/$name.log" >&2; fail "$name: afl-showmap wrote no map"; }
		n=$((n + $(wc -l <"$t/map")))
		cat "$t/map" >>"$t/$name.all"
		rm -f "$t/map"
	done
	cut -d: -f1 "$t/$name.all" | sort -n | tail -n 1 | sed 's/^0*//' >"$t/$name.max"
	echo "$n"
}

target_coverage "$plain" "$driver"
[[ $VSF_TARGET_COVERAGE == black-box ]] || fail "the ASan program is taken for instrumented"
black=$(entries black-box "$plain")
target_coverage "$instrumented" "$driver"
[[ $VSF_TARGET_COVERAGE == coverage-guided ]] || fail "the afl preset's program is not found instrumented"
guided=$(entries guided "$instrumented")
kept_out=$(entries kept-out "$plain")
driver_map=$(unset VSF_TARGET_MAP_SIZE; AFL_DUMP_MAP_SIZE=1 "$driver" | head -n 1 || true)
echo "map entries: black-box $black, coverage-guided $guided (target's map $VSF_TARGET_MAP_SIZE," \
	"highest entry $(cat "$t/guided.max"); the driver's map $driver_map), driver's edges under coverage-guided: $kept_out"
((black > 0)) || fail "black-box: the driver's own edges are missing"
((guided >= 4 * black && guided >= black + 100)) || fail "the target's edges do not reach the map"
(($(cat "$t/guided.max") >= driver_map)) || fail "no target edge above the driver's map size: AFL++ reads the driver's map only"
((kept_out == 0)) || fail "the driver's own edges are in the map of a coverage-guided campaign"
echo "PASS target coverage: the instrumented target's edges reach the map, the driver's stay out"
