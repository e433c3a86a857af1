#!/usr/bin/env bash
# Interop: vhost-shmem-frontend against a backend nobody here wrote, QEMU's
# qemu-storage-daemon exporting a vhost-user-blk device (libvhost-user).
#   interop_qsd.sh BUILD_DIR SOURCE_DIR
# The daemon offers no VHOST_USER_PROTOCOL_F_SHMEM, so this checks the
# negotiation a real backend accepts: the front-end connects, acknowledges
# VIRTIO_F_VERSION_1 (libvhost-user calls any device without it legacy and
# panics: `vu_panic: virtio legacy devices aren't supported`), reports zero
# shared memory regions, serves until SIGTERM and exits 0, and the daemon
# neither panics nor dies. Exit 77 (CTest: skipped) without the daemon.
# QSD names the daemon's binary (default: qemu-storage-daemon on PATH).
# No sleeps but poll intervals; every wait has a deadline.
set -euo pipefail

bin=${1:?build dir} src=${2:?source dir}
: "$src" # the usage matches the other scripts; nothing from the sources is needed
FE=$bin/tools/vhost-shmem-frontend
QSD=${QSD:-qemu-storage-daemon}
DEADLINE=20 # seconds for any one wait; a normal run takes well under one

if ! command -v "$QSD" >/dev/null; then
	echo "SKIP: qemu-storage-daemon not installed (scripts/setup.sh qemu installs qemu-system-common)"
	exit 77
fi
[[ -x $FE ]] || { echo "FAIL (interop qsd): no front-end at $FE" >&2; exit 1; }

t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-qsd.XXXXXX")
sock=$t/vub.sock
fe_pid='' qsd_pid='' started=()

# Subshells inherit the trap; only the test itself cleans up.
# Idempotent: the end of the test runs it too, to check it leaves nothing.
main_pid=$BASHPID
cleanup() {
	local p
	[[ $BASHPID == "$main_pid" ]] || return 0
	for p in $fe_pid $qsd_pid; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	fe_pid='' qsd_pid=''
	rm -rf "$t"
}
trap cleanup EXIT

fail() {
	local f
	echo "FAIL (interop qsd): $*" >&2
	for f in "$t"/*.log "$t"/*.err "$t"/*.out; do
		[[ -e $f ]] && { echo "---- ${f##*/}"; cat "$f"; } >&2
	done
	exit 1
}

# What the daemon said when it panicked, for the failure messages.
panic_note() {
	local line
	line=$(grep -m1 'vu_panic' "$t/qsd.log" 2>/dev/null) || return 0
	printf '; the daemon panicked: %s' "$line"
}

alive() { kill -0 "$1" 2>/dev/null; }

# A unix socket listening at $sock: the file exists from bind() on, but a
# connect before listen() is refused, so look for the listening flag
# (__SO_ACCEPTCON, 00010000) in /proc/net/unix.
listening() {
	local flags rest
	while read -r _ _ _ flags rest; do
		[[ $flags == 00010000 && $rest == *" $sock" ]] && return 0
	done </proc/net/unix
	return 1
}

# poll DESCRIPTION PID COMMAND...: until COMMAND succeeds; fail when PID
# exits first or DEADLINE seconds pass.
poll() {
	local what=$1 pid=$2 end=$((SECONDS + DEADLINE))
	shift 2
	until "$@"; do
		alive "$pid" || return 2
		((SECONDS < end)) || fail "timed out after $DEADLINE s waiting for $what"
		sleep 0.05
	done
}

# wait_exit PID NAME: wait at most DEADLINE seconds; the exit status in $status.
# SIGKILL for the watchdog: a SIGTERM before it has exec'd sleep would make
# the forked shell run the EXIT trap.
wait_exit() {
	local dog first=''
	sleep "$DEADLINE" &
	dog=$!
	status=0
	wait -n -p first "$1" "$dog" || status=$?
	[[ $first != "$dog" ]] || fail "$2 did not exit within $DEADLINE s"
	kill -KILL "$dog" 2>/dev/null || true
	wait "$dog" 2>/dev/null || true
}

# reap PID: the exit status of a child already gone, in $status.
reap() {
	status=0
	wait "$1" || status=$?
}

# ---- the daemon ----
truncate -s 16M "$t/disk.img"
"$QSD" --blockdev "driver=file,node-name=file0,filename=$t/disk.img" \
	--export "type=vhost-user-blk,id=exp0,node-name=file0,addr.type=unix,addr.path=$sock,writable=on" \
	>"$t/qsd.log" 2>&1 &
qsd_pid=$!
started+=("$qsd_pid")
poll "qemu-storage-daemon to listen on $sock" "$qsd_pid" listening || {
	reap "$qsd_pid"
	fail "qemu-storage-daemon exited with $status before listening on $sock"
}

# ---- the front-end ----
connected="vhost-shmem-frontend: connected to $sock: "
connected_re='^features 0x([0-9a-f]+) \(offered 0x([0-9a-f]+)\), protocol features 0x([0-9a-f]+) \(offered 0x([0-9a-f]+)\), ([0-9]+) shared memory regions$'
connected_line() { grep -q -F -- "$connected" "$t/fe.err"; }

"$FE" -v "$sock" >"$t/fe.out" 2>"$t/fe.err" &
fe_pid=$!
started+=("$fe_pid")
poll "the front-end to say it is connected" "$fe_pid" connected_line || {
	connected_line || {
		reap "$fe_pid"
		fail "the front-end exited with $status before saying it is connected to $sock$(panic_note)"
	}
}

line=$(grep -m1 -F -- "$connected" "$t/fe.err")
[[ ${line#"$connected"} =~ $connected_re ]] ||
	fail "cannot parse the front-end's connected line: '$line'"
acked=${BASH_REMATCH[1]} offered=${BASH_REMATCH[2]}
nregions=${BASH_REMATCH[5]}
((${#acked} <= 16 && ${#offered} <= 16)) || fail "features wider than 64 bits in '$line'"
(((16#$acked >> 32) & 1)) ||
	fail "the front-end acknowledged features 0x$acked, without VIRTIO_F_VERSION_1 (bit 32; offered 0x$offered)$(panic_note)"
((16#$acked & ~16#$offered)) &&
	fail "the front-end acknowledged features 0x$acked, bits the daemon did not offer (0x$offered)"
((nregions == 0)) ||
	fail "the front-end reports $nregions shared memory regions; the daemon has none"

# ---- SIGTERM: a clean stop ----
alive "$fe_pid" || fail "the front-end exited while serving$(panic_note)"
kill -TERM "$fe_pid"
wait_exit "$fe_pid" front-end
fe_pid=''
((status == 0)) || fail "the front-end exited with $status after SIGTERM, expected 0"
grep -q -F -- "vhost-shmem-frontend: SIGTERM received, stopping (live mappings: 0)" "$t/fe.err" ||
	fail "no 'SIGTERM received, stopping (live mappings: 0)' from the front-end"

# ---- the daemon took it all in stride ----
grep -q 'vu_panic' "$t/qsd.log" && fail "the daemon panicked$(panic_note)"
alive "$qsd_pid" || {
	reap "$qsd_pid"
	fail "qemu-storage-daemon died (exit status $status) during the session"
}
kill -TERM "$qsd_pid"
wait_exit "$qsd_pid" qemu-storage-daemon
qsd_pid=''
((status == 0)) || fail "qemu-storage-daemon exited with $status after SIGTERM, expected 0"

# What was negotiated, for the test's output.
grep -E -- 'features|SHMEM' "$t/fe.err" || true

# The trap's cleanup leaves no process and no temp dir.
cleanup
for p in "${started[@]}"; do
	! kill -0 "$p" 2>/dev/null || { echo "FAIL (interop qsd): process $p left running" >&2; exit 1; }
done
[[ ! -e $t ]] || { echo "FAIL (interop qsd): $t left behind" >&2; exit 1; }
echo "PASS interop qemu-storage-daemon"
