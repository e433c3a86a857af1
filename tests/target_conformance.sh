#!/usr/bin/env bash
# Conformance of a front-end process over the committed corpora (label
# `target`): scripts/conformance.sh against
#   ours  our vhost-shmem-frontend (this build, ASan) under its full SHMEM
#         profile: no finding and no deviation (its profile names none);
#         the sessions it refuses are the ones its profile names;
#   qemu  Debian's QEMU 7.2 with a vhost-user-blk device and no guest,
#         under its profile: no finding; every deviation is one the profile
#         names. Exit 77 (skipped) without qemu-system-x86_64 7.2.
# Usage: target_conformance.sh BUILD_DIR SOURCE_DIR ours|qemu
set -euo pipefail

bin=${1:?build dir} src=${2:?source dir} which=${3:?ours or qemu}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-conformance.XXXXXX")
trap 'rm -rf "$t"' EXIT
# The driver makes its sockets here: what is left of them shows below.
export TMPDIR=$t

fail() {
	echo "FAIL (target $which): $*" >&2
	[[ -f $t/out/report.md ]] && sed -n '1,60p' "$t/out/report.md" >&2
	exit 1
}

case $which in
ours)
	cmd="$bin/tools/vhost-shmem-frontend --max-mappings 8 --allow-shrinkable-fds --timeout-ms 500 {socket}"
	profile=$src/scenario/targets/vhost-shmem-frontend.profile
	;;
qemu)
	qemu=$(command -v qemu-system-x86_64) || {
		echo "SKIP: qemu-system-x86_64 not installed (scripts/setup.sh qemu installs it)"
		exit 77
	}
	version=$("$qemu" --version | sed -n '1s/.*version \([0-9]*\.[0-9]*\).*/\1/p')
	[[ $version == 7.2 ]] || {
		echo "SKIP: QEMU $version here; the profile is QEMU 7.2's"
		exit 77
	}
	cmd="$qemu -M q35 -accel tcg -nodefaults -display none -S -monitor none -serial none"
	cmd+=" -chardev socket,id=c0,path={socket} -device vhost-user-blk-pci,chardev=c0,num-queues=1"
	profile=$src/scenario/targets/qemu-7.2-vhost-user-blk.profile
	;;
*) fail "unknown target $which" ;;
esac

status=0
"$src/scripts/conformance.sh" --frontend-cmd "$cmd" --profile "$profile" --out "$t/out" \
	--build-dir "$bin" 2>"$t/log" || status=$?
[[ -f $t/out/report.md ]] || { cat "$t/log" >&2; fail "no report written"; }
((status == 0)) || fail "findings (exit status $status)"
grep -q "^- inputs: [1-9][0-9]*; clean [1-9]" "$t/out/report.md" || fail "no input ran clean"
if [[ $which == ours ]]; then
	! grep -q "| deviation" "$t/out/report.md" || fail "a deviation, but its profile names none"
fi
# Nothing left behind: no target process, no socket directory.
! pgrep -f -- "$t/" >/dev/null || fail "a target process is left: $(pgrep -af -- "$t/")"
left=$(find "$t" -maxdepth 1 -name 'vsf-target.*')
[[ -z $left ]] || fail "left behind: $left"
grep -m1 "^- inputs" "$t/out/report.md"
echo "PASS: target $which conforms over the committed corpora"
