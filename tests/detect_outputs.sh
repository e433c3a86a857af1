# shellcheck shell=bash
# Sourced by a detection test (canary_detect.sh, oracle_catches_mutant.sh):
# a temporary directory $t for the outputs of its runs (*.out), removed at
# exit, and fail(), which says what failed, for $subject (set by the test),
# with the end of each output, and exits 1.
: "${subject:?set by the test that sources this}"
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-detect.XXXXXX")
trap 'rm -rf "$t"' EXIT

fail() {
	echo "FAIL ($subject): $*" >&2
	for f in "$t"/*.out; do
		[[ -e $f ]] && { echo "---- ${f##*/}"; tail -n 40 "$f"; } >&2
	done
	exit 1
}
