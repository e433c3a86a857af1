#!/usr/bin/env bash
# The out-of-process driver's own edges, against our program (label
# `target`): a finding aborts the driver and leaves no target process and
# no socket directory behind; a target that dies in the middle of an input
# is a finding, not a clean run; a refused start-up, replayed many times
# under a low fd limit, leaks no fd of the driver's.
# Usage: target_driver_edges.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

bin=${1:?build dir} src=${2:?source dir}
t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-edges.XXXXXX")
trap 'rm -rf "$t"' EXIT
export TMPDIR=$t VSF_VERDICTS=1
replay=$bin/fuzz/fuzz_frontend_process_replay prog=$bin/tools/vsf-prog
frontend="$bin/tools/vhost-shmem-frontend --max-mappings 8 --allow-shrinkable-fds --timeout-ms 500 {socket}"
profile=$src/scenario/targets/vhost-shmem-frontend.profile

fail() {
	echo "FAIL (driver edges): $*" >&2
	[[ -f $t/log ]] && tail -n 30 "$t/log" >&2
	exit 1
}

# input NAME: the text program on stdin, compiled to $t/NAME.
input() {
	"$prog" to-bin -o "$t/$1" -
}

# 1. A finding (a profile that says the target has no SHMEM, for a target
#    that maps) aborts the driver: nothing of the target is left.
input map <<'PROG'
fd 0 memfd size=0x1000
config nregions=1 sizes=0:0x10000
map fd=0 len=0x1000 rw need_reply
PROG
sed 's/^shmem yes/shmem no/' "$profile" >"$t/no-shmem.profile"
if VSF_TARGET_CMD=$frontend VSF_TARGET_PROFILE=$t/no-shmem.profile \
	"$replay" "$t/map" >"$t/log" 2>&1; then
	fail "a target that maps, under a profile without SHMEM, ran clean"
fi
grep -q 'ORACLE VIOLATION \[reply-protocol\]' "$t/log" || fail "not the reply-protocol finding"
sleep 0.2 # the death signal reaches the orphan
! pgrep -f -- "$t/" >/dev/null || fail "a target is left after the driver aborted: $(pgrep -af -- "$t/")"
[[ -z $(find "$t" -maxdepth 1 -name 'vsf-target.*') ]] || fail "a socket directory is left"

# 2. A target that dies in the middle of an input (`timeout` kills the
#    program 0.4 s after its start, while the driver waits, and exits) is a
#    finding. (The target's pid is `timeout`'s here: no mapping is checked.)
{
	echo "config nregions=1 sizes=0:0x10000"
	for _ in $(seq 30); do echo "wait GET_VRING_BASE"; done
	echo "send data=4d0000000900000000000000" # request 77, NEED_REPLY, no payload
} | input dies
if VSF_TARGET_CMD="timeout -s KILL 0.4 $frontend" VSF_TARGET_PROFILE=$profile \
	"$replay" "$t/dies" >"$t/log" 2>&1; then
	fail "a target that died mid-input ran clean"
fi
grep -q 'ORACLE VIOLATION \[target-died\]' "$t/log" || fail "not reported as target-died"

# 3. A refused start-up, 60 times under a limit of 64 fds: no fd leaks.
input refused <<'PROG'
session features=0x140000000 protocol=0x100028 ack=1
map len=0x1000 need_reply
PROG
(
	ulimit -n 64
	mapfile -t thirty < <(for _ in $(seq 30); do echo "$t/refused"; done)
	VSF_TARGET_CMD=$frontend VSF_TARGET_PROFILE=$profile "$replay" "${thirty[@]}" >"$t/log" 2>&1
) || fail "60 refused start-ups under 64 fds"
[[ $(grep -c 'target verdict: refused' "$t/log") == 60 ]] || fail "not 60 refusals"
echo "PASS: driver edges (abort leaves nothing, a death mid-input is found, no fd leak)"
