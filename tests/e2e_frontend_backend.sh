#!/usr/bin/env bash
# End-to-end tests: vhost-shmem-frontend against vsf-demo-backend, two real
# processes over a unix socket. One case per CTest test:
#   e2e_frontend_backend.sh CASE BUILD_DIR SOURCE_DIR
# Cases:
#   rules           tests/e2e/shmem_rules.txt (valid and invalid requests):
#                   every reply as expected; /proc/PID/maps of the front-end
#                   shows each memfd mapping in its region with the requested
#                   protection while it lives, and none after the unmaps; its
#                   fd count after the script equals the count before the first
#                   map; --verify checksums equal what the backend sent; the
#                   front-end exits 0 when the backend goes away
#   record          --record FILE: vsf-prog shows session, config, fd and send
#                   ops; fuzz_backend_channel_replay replays it without finding
#   record_cap      a recording longer than a harness executes (256 ops): the
#                   front-end says from which message on it does not replay
#   sigint          SIGINT while a mapping is live: exit 0, stopping message
#   lost_framing    a payload size above the maximum: the front-end closes the
#                   backend channel and exits 1
#   gone_before_reply  the backend stops reading before a reply: exit 0
#   missing_socket  no socket at the path: exit 1, clear message
#   refused         a socket nobody listens on: exit 1, clear message
#   soak            (label soak, not in scripts/test.sh) VSF_SOAK_CYCLES
#                   (default 100000) cycles of a valid map, an invalid
#                   request and the unmap, at random offsets: every verdict as
#                   expected; the front-end's fd count, /proc/PID/maps lines
#                   and RSS after the last cycle as after the first thousand
#                   (RSS within 1 MiB); prints them, and messages per second
#                   next to the syscall floor (tests/bench_syscall_floor)
#   shrink_seal     the front-end's default: a memfd not sealed against
#                   shrinking is refused with a clear reason, one sealed with
#                   F_SEAL_SHRINK is mapped, and the backend's truncate of it
#                   is refused: the mapping keeps its file
#   truncate_unsealed  --allow-shrinkable-fds: the backend truncates a mapped
#                   memfd to 0; the front-end serves on (it reads nothing
#                   there), the unmap succeeds, exit 0
#   stalled_listener  a listener that never accepts (backlog full): the
#                   front-end gives up after --timeout-ms, exit 1, clear message
#   no_shmem        a backend without SHMEM: a session with no region; its map
#                   is rejected, the front-end stays until the backend leaves,
#                   then exits 0
#   features_after_owner  a session op whose GET_FEATURES answer changes after
#                   SET_OWNER: the front-end refuses the negotiation, exit 1
#   answer_nth      the same change by an answer op for the second GET_FEATURES
#                   (scenario/backend_peer.h's rules): exit 1 as well
# The backend's checkpoints (`# @pause` in a script) synchronise: it prints
# "paused at line N" once the front-end has handled everything before, and
# goes on when it reads a line. No sleeps; every wait has a deadline.
set -euo pipefail

case=${1:?case} bin=${2:?build dir} src=${3:?source dir}
FE=$bin/tools/vhost-shmem-frontend
BE=$bin/tools/vsf-demo-backend
REPLAY=$bin/fuzz/fuzz_backend_channel_replay
PROG=$bin/tools/vsf-prog
DEADLINE=20 # seconds for any one wait; a normal run takes well under one

t=$(mktemp -d "${TMPDIR:-/tmp}/vsf-e2e.XXXXXX")
sock=$t/sock
fe_pid='' be_pid='' be_in='' be_out=''

# Subshells inherit the trap; a background child killed before it has
# exec'd (the deadline's sleep) would run it. Only the test itself cleans up.
main_pid=$BASHPID
cleanup() {
	local p
	[[ $BASHPID == "$main_pid" ]] || return 0
	for p in $fe_pid $be_pid; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$t"
}
trap cleanup EXIT

fail() {
	local f
	echo "FAIL (e2e $case): $*" >&2
	for f in "$t"/*.out "$t"/*.err; do
		[[ -e $f ]] && { echo "---- ${f##*/}"; cat "$f"; } >&2
	done
	exit 1
}

# Start the backend as a coprocess: its stdout and stdin are the checkpoint
# protocol. Returns once it listens.
start_backend() {
	coproc BE_PROC { exec "$BE" "$@" 2>"$t/be.err"; }
	be_pid=$BE_PROC_PID
	exec {be_out}<&"${BE_PROC[0]}" {be_in}>&"${BE_PROC[1]}"
	expect_line "listening on $sock"
}

expect_line() {
	local line
	IFS= read -r -t "$DEADLINE" line <&"$be_out" || fail "backend silent, expected '$1'"
	# shellcheck disable=SC2053 # $1 is a pattern
	[[ $line == $1 ]] || fail "backend said '$line', expected '$1'"
}

resume() { echo >&"$be_in"; }

# The scripts' memfds and read-only files are not sealed against shrinking,
# which the front-end requires by default: the cases that test that (and the
# soak, whose memfd is sealed) run it with its defaults.
fe_defaults=(--allow-shrinkable-fds)
[[ $case == shrink_seal || $case == soak ]] && fe_defaults=()

start_frontend() {
	if [[ $be_out ]]; then # the backend's pipes stay with the test
		"$FE" "${fe_defaults[@]}" "$@" "$sock" >"$t/fe.out" 2>"$t/fe.err" {be_out}<&- {be_in}>&- &
	else
		"$FE" "${fe_defaults[@]}" "$@" "$sock" >"$t/fe.out" 2>"$t/fe.err" &
	fi
	fe_pid=$!
}

# wait_exit PID NAME: wait at most DEADLINE seconds; the exit status in $status.
wait_exit() {
	local dog first=''
	sleep "$DEADLINE" &
	dog=$!
	status=0
	wait -n -p first "$1" "$dog" || status=$?
	[[ $first != "$dog" ]] || fail "$2 did not exit within $DEADLINE s"
	kill "$dog" 2>/dev/null || true
	wait "$dog" 2>/dev/null || true
}

expect_exit() { # PID NAME STATUS
	wait_exit "$1" "$2"
	((status == $3)) || fail "$2 exited with $status, expected $3"
}

expect_stderr() { # FILE PATTERN
	grep -q -- "$2" "$t/$1" || fail "no '$2' in $1"
}

fd_count() { find "/proc/$fe_pid/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# base= the base of region SHMID, from the front-end's log.
region_base() {
	base=$(sed -n "s/.*: region shmid=$1 size=0x[0-9a-f]* base=\\(0x[0-9a-f]*\\)\$/\\1/p" "$t/fe.err")
	[[ $base ]] || fail "the front-end did not log region $1"
}

# expect_mapping SHMID OFFSET LEN PERMS: exactly that range of the region is
# one mapping of a memfd with those permissions in the front-end.
expect_mapping() {
	local lo hi line
	region_base "$1"
	lo=$(printf '%08x' $((base + $2)))
	hi=$(printf '%08x' $((base + $2 + $3)))
	line=$(grep "^$lo-$hi " "/proc/$fe_pid/maps") ||
		fail "no mapping $lo-$hi (region $1 +$2) in the front-end"
	[[ $line == *" $4 "*"/memfd:vsf-fuzz"* ]] ||
		fail "mapping of region $1 +$2 is '$line', expected $4 of the memfd"
}

# expect_reserved SHMID OFFSET: that page of the region is reserved (---p):
# after an unmap the range goes back to the reservation, not to the process.
expect_reserved() {
	local addr range perms rest lo hi
	region_base "$1"
	addr=$((base + $2))
	while read -r range perms rest; do
		lo=$((16#${range%-*})) hi=$((16#${range#*-}))
		if ((addr >= lo && addr < hi)); then
			[[ $perms == ---p ]] || fail "region $1 +$2 is $perms, expected reserved (---p)"
			return
		fi
	done <"/proc/$fe_pid/maps"
	fail "region $1 +$2 is not mapped at all: the reservation was released"
}

memfd_mappings() { grep -c "/memfd:vsf-fuzz" "/proc/$fe_pid/maps" || true; }

case $case in
rules)
	start_backend "$sock" "$src/tests/e2e/shmem_rules.txt"
	start_frontend --verify
	expect_line "paused at line 13" # negotiated, nothing mapped
	fds_before=$(fd_count)
	(($(memfd_mappings) == 0)) || fail "memfd mappings before the first map"
	resume
	expect_line "paused at line 33" # four mappings live
	expect_mapping 0 0x2000 0x4000 rw-s
	expect_mapping 3 0 0x4000 r--s
	expect_mapping 0 0x30000 0x2000 r--s
	expect_mapping 0 0x40000 0x1000 rw-s
	n=$(memfd_mappings)
	((n == 4)) || fail "$n memfd mappings in the front-end, expected 4"
	resume
	expect_line "paused at line 41" # everything unmapped
	n=$(memfd_mappings)
	((n == 0)) || fail "$n memfd mappings left after the unmaps"
	fds_after=$(fd_count)
	((fds_after == fds_before)) ||
		fail "the front-end has $fds_after fds open, $fds_before before the first map"
	expect_reserved 0 0x2000
	expect_reserved 3 0
	expect_reserved 0 0x30000
	expect_reserved 0 0x40000
	resume
	expect_exit "$be_pid" backend 0
	expect_exit "$fe_pid" front-end 0
	expect_stderr fe.err "the backend closed the backend channel"
	expect_stderr fe.err "SHMEM_MAP shmid=0 fd_offset=0x0 shm_offset=0x5000 len=0x2000 rw: rejected: "
	expect_stderr fe.err "shm_offset=0x20000 len=0x1000 rw nfds>8: rejected: "
	# What the front-end read in each accepted mapping is what the backend sent.
	n=$(grep -c '^verify .* crc32=' "$t/fe.out" || true)
	((n == 4)) || fail "$n verified mappings, expected 4"
	while read -r want; do
		grep -q -- "^verify $want\$" "$t/fe.out" || fail "no 'verify $want' from the front-end"
	done < <(sed -n 's/^line [0-9]*: content //p' "$t/be.err")
	;;
record)
	start_backend "$sock" "$src/tests/e2e/shmem_rules.txt"
	start_frontend --record "$t/rec.bin"
	for line in 13 33 41; do
		expect_line "paused at line $line"
		resume
	done
	expect_exit "$be_pid" backend 0
	expect_exit "$fe_pid" front-end 0
	expect_stderr fe.err "recorded 26 messages in $t/rec.bin"
	"$PROG" to-text "$t/rec.bin" >"$t/rec.out" || fail "vsf-prog cannot read the recording"
	grep -qx "session features=0x140000000 protocol=0x100428" "$t/rec.out" || fail "no session op"
	grep -qx "config nregions=2 sizes=0:0x100000,3:0x10000" "$t/rec.out" || fail "no config op"
	grep -qx "fd [0-9]* memfd size=0x10000 data=a55a0102" "$t/rec.out" || fail "no memfd op"
	grep -qx "fd [0-9]* memfd size=0x4000 seals=0x8 data=c3" "$t/rec.out" || fail "no sealed memfd"
	grep -qx "fd [0-9]* rofile size=0x4000 data=77" "$t/rec.out" || fail "no rofile op"
	grep -qx "fd [0-9]* pipe" "$t/rec.out" || fail "no pipe op"
	grep -qx "fd [0-9]* devzero" "$t/rec.out" || fail "no devzero op"
	n=$(grep -c "^send " "$t/rec.out" || true)
	((n == 26)) || fail "$n send ops, expected 26"
	grep -q "^send fds=[0-9]*,[0-9]* data=09000000" "$t/rec.out" || fail "no map with two fds"
	"$REPLAY" "$t/rec.bin" >"$t/replay.out" 2>"$t/replay.err" ||
		fail "fuzz_backend_channel_replay reports a finding on the recording"
	grep -q "no finding" "$t/replay.out" || fail "the replay did not finish"
	;;
record_cap)
	# session + config + 300 messages: messages 255.. are past the 256 ops.
	{
		echo 'fd 0 memfd size=0x1000 data=5a'
		for ((i = 0; i < 300; i++)); do echo 'unmap shmid=0 shm_offset=0x1000 len=0x1000'; done
		echo 'map shmid=0 fd=0 len=0x1000 rw need_reply'
	} >"$t/script.txt"
	start_backend "$sock" "$t/script.txt"
	start_frontend --record "$t/rec.bin"
	expect_exit "$be_pid" backend 0
	expect_exit "$fe_pid" front-end 0
	expect_stderr fe.err "record: message 255 is past what a harness replays (256 ops"
	expect_stderr fe.err "recorded 301 messages in $t/rec.bin (a harness replays the first 254 only)"
	;;
sigint)
	printf '%s\n' 'fd 0 memfd size=0x2000 data=5a' \
		'map shmid=0 fd=0 len=0x2000 rw need_reply' '# @pause' \
		'unmap shmid=0 len=0x2000 need_reply' >"$t/script.txt"
	start_backend "$sock" "$t/script.txt"
	start_frontend
	expect_line "paused at line 3"
	expect_mapping 0 0 0x2000 rw-s
	kill -INT "$fe_pid"
	expect_exit "$fe_pid" front-end 0
	expect_stderr fe.err "SIGINT received, stopping (live mappings: 1)"
	kill -TERM "$be_pid"
	wait_exit "$be_pid" backend
	;;
lost_framing)
	# SHMEM_MAP with a payload size of 0x2000: framing cannot be trusted.
	printf '%s\n' 'send data=090000000100000000200000' >"$t/script.txt"
	start_backend "$sock" "$t/script.txt"
	start_frontend
	expect_exit "$be_pid" backend 0
	expect_exit "$fe_pid" front-end 1
	expect_stderr fe.err "backend channel lost: payload size 8192 above the 4096 maximum"
	expect_stderr be.err "the front-end closed the backend channel, as it must"
	;;
gone_before_reply)
	printf '%s\n' 'fd 0 memfd size=0x1000' 'shutdown' 'map fd=0 len=0x1000 need_reply' \
		>"$t/script.txt"
	start_backend "$sock" "$t/script.txt"
	start_frontend
	expect_exit "$be_pid" backend 0
	expect_exit "$fe_pid" front-end 0
	expect_stderr fe.err "the backend closed the backend channel before the reply"
	;;
missing_socket)
	start_frontend
	expect_exit "$fe_pid" front-end 1
	expect_stderr fe.err "$sock: No such file or directory (no backend socket there; is the backend running?)"
	;;
soak)
	cycles=${VSF_SOAK_CYCLES:-100000}
	# Region 0 of 1 MiB; mappings of 1-4 pages at random page offsets; the
	# invalid request is one of: overlap, past the region, unaligned, an
	# unmap of part of the mapping. Checkpoints after 1000 cycles and at the end.
	awk -v n="$cycles" 'BEGIN {
		srand(7)
		print "config nregions=1 sizes=0:0x100000"
		print "fd 0 memfd size=0x10000 seals=0x2 data=a55a"
		for (i = 1; i <= n; i++) {
			len = (1 + int(rand() * 4)) * 4096
			off = int(rand() * 200) * 4096
			printf "map shmid=0 fd=0 shm_offset=0x%x len=0x%x rw need_reply # expect=ok\n", off, len
			k = int(rand() * 4)
			if (k == 0)
				printf "map shmid=0 fd=0 shm_offset=0x%x len=0x1000 rw need_reply # expect=fail\n", off
			else if (k == 1)
				printf "map shmid=0 fd=0 shm_offset=0xff000 len=0x2000 rw need_reply # expect=fail\n"
			else if (k == 2)
				printf "map shmid=0 fd=0 shm_offset=0x%x len=0x1000 rw need_reply # expect=fail\n", off + 2048
			else
				printf "unmap shmid=0 shm_offset=0x%x len=0x800 need_reply # expect=fail\n", off
			printf "unmap shmid=0 shm_offset=0x%x len=0x%x need_reply # expect=ok\n", off, len
			if (i == 1000 || i == n)
				print "# @pause"
		}
	}' >"$t/script.txt"
	first=$((2 + 1000 * 3 + 1)) last=$(wc -l <"$t/script.txt")
	DEADLINE=600
	start_backend "$sock" "$t/script.txt"
	start_frontend
	status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$fe_pid/status"; }
	snapshot() { echo "$(fd_count) $(wc -l <"/proc/$fe_pid/maps") $(status_kb VmRSS) $(date +%s%N)"; }
	expect_line "paused at line $first"
	read -r fds0 maps0 rss0 t0 <<<"$(snapshot)"
	resume
	expect_line "paused at line $last"
	read -r fds1 maps1 rss1 t1 <<<"$(snapshot)"
	resume
	expect_exit "$be_pid" backend 0
	expect_exit "$fe_pid" front-end 0
	msgs=$(((cycles - 1000) * 3))
	rate=$((msgs * 1000000000 / (t1 - t0)))
	floor=$("$bin/tests/bench_syscall_floor" 2 | grep -o '[0-9]*' | head -1)
	echo "soak: $cycles cycles ($((cycles * 3)) messages); after 1000 cycles -> after the last:"
	echo "soak:   fds $fds0 -> $fds1, /proc/PID/maps lines $maps0 -> $maps1, RSS $rss0 -> $rss1 kB"
	echo "soak:   $rate messages/s (front-end and demo backend, this build); syscall floor $((floor * 2)) messages/s"
	((fds1 == fds0)) || fail "fd count grew from $fds0 to $fds1"
	((maps1 == maps0)) || fail "/proc/PID/maps grew from $maps0 to $maps1 lines"
	((rss1 <= rss0 + 1024)) || fail "RSS grew from $rss0 to $rss1 kB"
	;;
shrink_seal)
	printf '%s\n' 'fd 0 memfd size=0x2000 data=5a' 'fd 1 memfd size=0x2000 seals=0x2 data=5b' \
		'map shmid=0 fd=0 len=0x2000 rw need_reply # expect=fail' \
		'map shmid=0 fd=1 len=0x2000 rw need_reply # expect=ok' 'truncate 1' '# @pause' \
		'unmap shmid=0 len=0x2000 need_reply # expect=ok' >"$t/script.txt"
	start_backend "$sock" "$t/script.txt"
	start_frontend --verify
	expect_line "paused at line 6"
	expect_mapping 0 0 0x2000 rw-s
	expect_stderr be.err "line 5: truncate 1 to 0x0: refused"
	resume
	expect_exit "$be_pid" backend 0
	expect_exit "$fe_pid" front-end 0
	expect_stderr fe.err "rejected: fd is not sealed against shrinking (F_SEAL_SHRINK)"
	grep -q "^verify shmid=0 shm_offset=0x0 len=0x2000 crc32=" "$t/fe.out" ||
		fail "the sealed mapping was not verified"
	;;
truncate_unsealed)
	printf '%s\n' 'fd 0 memfd size=0x2000 data=5a' \
		'map shmid=0 fd=0 len=0x2000 rw need_reply # expect=ok' 'truncate 0' '# @pause' \
		'map shmid=0 fd=0 shm_offset=0x4000 len=0x1000 rw need_reply # expect=fail' \
		'unmap shmid=0 len=0x2000 need_reply # expect=ok' >"$t/script.txt"
	start_backend "$sock" "$t/script.txt"
	start_frontend --verify
	expect_line "paused at line 4"
	expect_stderr be.err "line 3: truncate 0 to 0x0: done"
	expect_mapping 0 0 0x2000 rw-s
	resume
	expect_exit "$be_pid" backend 0
	expect_exit "$fe_pid" front-end 0
	expect_stderr fe.err "rejected: fd is 0x0 bytes, mapping needs 0x1000"
	;;
stalled_listener)
	"$bin/tests/stalled_listener" "$sock" >"$t/stalled.out" 2>&1 &
	be_pid=$!
	for _ in $(seq 100); do
		grep -q ready "$t/stalled.out" 2>/dev/null && break
		sleep 0.05
	done
	grep -q ready "$t/stalled.out" || fail "stalled_listener did not start"
	t0=$(date +%s%N)
	start_frontend --timeout-ms 300
	expect_exit "$fe_pid" front-end 1
	ms=$((($(date +%s%N) - t0) / 1000000))
	kill "$be_pid"
	((ms >= 250)) || fail "gave up after $ms ms, before its 300 ms"
	expect_stderr fe.err "cannot connect to $sock: Connection timed out (the backend does not accept connections; --timeout-ms bounds the wait)"
	;;
refused)
	# A backend killed while listening leaves its socket file: nobody listens on it.
	printf '%s\n' '# nothing' >"$t/script.txt"
	start_backend "$sock" "$t/script.txt"
	kill -KILL "$be_pid"
	wait_exit "$be_pid" backend
	[[ -S $sock ]] || fail "the killed backend left no socket"
	start_frontend
	expect_exit "$fe_pid" front-end 1
	expect_stderr fe.err "cannot connect to $sock: Connection refused (no backend is listening on it)"
	;;
no_shmem)
	printf '%s\n' 'fd 0 memfd size=0x1000' 'map fd=0 len=0x1000 rw need_reply # expect=fail' \
		'# @pause' >"$t/script.txt"
	start_backend --no-shmem "$sock" "$t/script.txt"
	start_frontend
	expect_line "paused at line 3"
	expect_stderr fe.err "protocol features 0x428 (offered 0x428), 0 shared memory regions"
	expect_stderr fe.err "the backend does not offer VHOST_USER_PROTOCOL_F_SHMEM: no shared memory regions; serving until it goes away"
	expect_stderr fe.err "SHMEM_MAP shmid=0 fd_offset=0x0 shm_offset=0x0 len=0x1000 rw: rejected"
	expect_stderr be.err "the front-end did not negotiate SHMEM"
	resume
	expect_exit "$be_pid" backend 0
	expect_exit "$fe_pid" front-end 0
	;;
features_after_owner)
	printf '%s\n' 'session features=0x140000000 protocol=0x100428 features_after_owner=0x140000200' \
		'fd 0 memfd size=0x1000' 'map fd=0 len=0x1000 rw need_reply' >"$t/script.txt"
	start_backend "$sock" "$t/script.txt"
	start_frontend
	expect_exit "$fe_pid" front-end 1
	expect_stderr fe.err "negotiation with the backend failed: .*after SET_OWNER"
	;;
answer_nth)
	printf '%s\n' 'answer GET_FEATURES nth=2 reply value=0x140000200' \
		'fd 0 memfd size=0x1000' 'map fd=0 len=0x1000 rw need_reply' >"$t/script.txt"
	start_backend "$sock" "$t/script.txt"
	start_frontend
	expect_exit "$fe_pid" front-end 1
	expect_stderr fe.err "negotiation with the backend failed: .*after SET_OWNER"
	;;
*)
	echo "usage: $0 rules|record|record_cap|sigint|lost_framing|gone_before_reply|missing_socket|refused|no_shmem|features_after_owner|answer_nth BUILD_DIR SOURCE_DIR" >&2
	exit 2
	;;
esac
echo "PASS e2e $case"
