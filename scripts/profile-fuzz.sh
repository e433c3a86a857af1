#!/usr/bin/env bash
# Where a harness's time goes: runs each harness's libFuzzer binary (ASan +
# UBSan and coverage instrumentation, as a campaign runs it: the libfuzzer
# preset) over its committed corpus REPEAT times in one process (each input
# executed once per repeat, no mutation) under `perf record -g`, and sorts
# every sample by the innermost frame of ours on
# its stack (leaf first, kernel and libc frames charged to the code that
# called them):
#   front-end   the library (src/): vsf_frontend_*, vsf_regions_*, vsf_channel_*, ...
#   oracles     the checks: probes, check_*, the shadow model, the commit hook,
#               the fd-table damage check, reply reading
#   set-up      what an input costs before and around the front-end: fd
#               resources, sockets, writing the backend's bytes, decoding
#   sanitizers  the ASan/UBSan/LSan runtimes and coverage callbacks
#   other       process start and exit, libFuzzer itself
# Usage: scripts/profile-fuzz.sh [HARNESS...] [--repeat N]   (default: all, 30)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

repeat=30 targets=()
while (($#)); do
	case $1 in
	--repeat) repeat=${2:?}; shift 2 ;;
	-h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) targets+=("$1"); shift ;;
	esac
done
((${#targets[@]})) || mapfile -t targets <fuzz/harnesses.txt

scripts/setup.sh perf
build_preset libfuzzer "${targets[@]}" >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/vsf-profile.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The category of one function name, or nothing when it is no frame of ours.
classify='
function category(f) {
	if (f ~ /^(__asan|__lsan|__ubsan|__sanitizer|__interceptor|___interceptor|__sanitizer_)/) return "sanitizers"
	if (f ~ /^(vsf_frontend_|vsf_regions_|vsf_channel_|vsf_backend_|vsf_rx_|vsf_error_|vsf_decode_|vsf_encode_|vsf_load_|vsf_store_|vsf_canary_)/) return "front-end"
	if (f ~ /^(check_|probe_|model_|oracle_|before_commit|expect_request|expect_u64_request|fd_table_find_damaged|digest_|mapping_in_model|timed_handle)/) return "oracles"
	if (f ~ /^(fd_table_|make_memfd|create_fd|peer_|deliver|do_connect|connect_session|connect_attached|write_answer|backend_|op_wire_|vsf_program_|vsf_harness_|run_init|run_finish|execute|close_fd)/) return "set-up"
	return ""
}'

for h in "${targets[@]}"; do
	inputs=()
	for ((i = 0; i < repeat; i++)); do inputs+=("corpus/$h"/*); done
	perf record -q -F 4999 -g -o "$work/$h.data" -- "build/libfuzzer/fuzz/$h" "${inputs[@]}" \
		>/dev/null 2>"$work/$h.err" || { tail -n 20 "$work/$h.err" >&2; exit 1; }
	perf script -i "$work/$h.data" 2>/dev/null | awk "$classify"'
		# A sample: a header line, then its frames leaf first, then a blank line.
		/^[^ \t]/ { in_sample = 1; cat = ""; next }
		/^[ \t]*$/ { if (in_sample) { n[cat == "" ? "other" : cat]++; total++ } in_sample = 0; next }
		{
			if (cat != "") next
			sym = $2; sub(/\+0x[0-9a-f]+$/, "", sym)
			cat = category(sym)
		}
		END {
			printf "%-24s %8d samples\n", h, total
			split("front-end oracles set-up sanitizers other", order, " ")
			for (i = 1; i <= 5; i++)
				printf "  %-12s %5.1f%%\n", order[i], total ? 100 * n[order[i]] / total : 0
		}' h="$h"
	# The oracle and set-up functions that cost most, inclusive.
	echo "  top functions of ours (inclusive share of all samples):"
	perf report -i "$work/$h.data" --children --stdio --sort symbol 2>/dev/null |
		awk "$classify"'
			$1 ~ /%$/ && $3 == "[.]" && shown < 12 {
				f = $4; c = category(f)
				if ((c == "oracles" || c == "set-up" || f == "vsf_frontend_handle_backend") &&
				    f != "vsf_harness_run") {
					printf "    %-7s %-12s %s\n", $1, c == "" ? "front-end" : c, f
					shown++
				}
			}'
done
