#!/usr/bin/env bash
# AFL++ coverage comes from the library alone (fuzz/afl_denylist.txt): in an
# AFL++ build, functions of src/ update the coverage map and functions of
# fuzz/ and scenario/ (the harness, the shadow model, the program decoder)
# do not. A harness instrumented by mistake costs every iteration and makes
# AFL++ report its lazy set-up as instability.
# Usage: afl_coverage_scope.sh BUILD_DIR HARNESS...
set -euo pipefail
dir=${1:?build dir}
shift
fail=0
for h; do
	# Per function: does its code touch AFL++'s map?
	counts=$(objdump -d --no-show-raw-insn "$dir/fuzz/$h" |
		awk '/^[0-9a-f]+ <.*>:$/ { fn = $2 } /__afl_area_ptr/ { n[fn]++ }
		     END { for (f in n) print f, n[f] }')
	for fn in vsf_frontend_handle_backend vsf_regions_prepare_map; do
		grep -q "^<$fn>:" <<<"$counts" || { echo "FAIL: $h: src function $fn is not instrumented"; fail=1; }
	done
	for fn in model_message vsf_program_decode vsf_harness_run_program; do
		grep -q "^<$fn>:" <<<"$counts" && { echo "FAIL: $h: $fn (fuzz/, scenario/) is instrumented"; fail=1; }
	done
done
((fail == 0)) && echo "PASS: AFL++ coverage from src/ only in $dir ($*)"
exit $fail
