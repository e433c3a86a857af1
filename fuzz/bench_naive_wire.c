/* SPDX-License-Identifier: MIT */
/*
 * bench_naive_wire: the NAIVE BASELINE of the time-to-bug benchmark.
 *
 * The same front-end behind the same socketpair, with the same executor,
 * shadow model and oracles as fuzz_backend_channel, but the input is raw
 * backend-channel bytes: no program format, no dictionary, no custom
 * mutator. It is a benchmark target, not a harness of fuzz/harnesses.txt
 * (hence not named fuzz_*.c): campaigns, CI smoke runs and corpus replay do
 * not pick it up. Built as bench_naive_wire (libFuzzer or AFL++, per
 * VSF_FUZZ_ENGINE) and bench_naive_wire_replay; CTest bench.naive_wire_replay
 * (label bench) replays corpus/bench/naive_wire/.
 *
 * The translation (the "fixed rule"), input -> program (program.h):
 *   config nregions=2 sizes=0:0x10000,3:0x4000     (session: harness default,
 *                                                   which negotiates SHMEM)
 *   then, for message i of the input, split by the vhost-user framing
 *   (12-byte header u32 request, u32 flags, u32 size LE, then size bytes):
 *   fd (i % 16) memfd size=0x10000 data=a55a0102    (only if request is 9)
 *   send [fd=(i % 16)] data=<the message's exact bytes>
 * that is, a fresh memfd goes with every message whose request field is
 * SHMEM_MAP, and no fd with any other (an UNMAP must carry none).
 * A header with size above 4096, or a message cut short by the end of the
 * input, makes the rest of the input one final send, so that framing bugs
 * stay reachable. Caps (program.h): at most VSF_PROG_MAX_OPS ops (messages
 * past that are dropped) and VSF_PROG_MAX_DATA bytes per send (a longer
 * final chunk is cut; a framed message is at most 12 + 4096 bytes).
 * What the fixed rule costs: bugs that need ops it never emits (reset,
 * shutdown, reconnect, other region layouts, fd kinds or counts) are out of
 * this baseline's reach by construction.
 *
 * The record marker inside a message: the program decoder (program.c)
 * starts a new record at every "\x1eOP:", so a send whose data holds one
 * would be re-framed. There is no escape in the format, and splitting the
 * message over two send ops is not transparent: the harness handles each
 * send before the next one is written, so the front-end sees the first part
 * as a message cut short, loses framing and closes the channel, and the
 * second send is never delivered (deliver() skips a closed channel). So the
 * translation does exactly that split's observable part and no more: the
 * message is sent up to and including the marker's first byte ("\x1e"),
 * which can no longer match since the next record's own marker follows it,
 * and translation stops there. Every byte sent is an input byte, in order;
 * a message holding the marker is, in effect, a message cut short there.
 *
 * Triage: VSF_NAIVE_DUMP=FILE writes each translated program to FILE before
 * it runs, so a finding reproduces with the usual tools:
 *   VSF_NAIVE_DUMP=/tmp/p.bin build/asan/fuzz/bench_naive_wire_replay crash-...
 *   build/asan/tools/vsf-prog to-text /tmp/p.bin
 *   build/asan/fuzz/fuzz_backend_channel_replay /tmp/p.bin
 *
 * The committed inputs (raw wire bytes, not programs: gen-corpus.sh does not
 * apply), regenerated from the repository root with:
 *   d=corpus/bench/naive_wire
 *   # SHMEM_MAP shmid 0 fd_offset 0 shm_offset 0 len 0x1000 rw NEED_REPLY
 *   # (accepted), then SHMEM_UNMAP shmid 0 shm_offset 0 len 0x1000 NEED_REPLY
 *   # (accepted)
 *   echo 09000000 09000000 28000000 0000000000000000 0000000000000000 \
 *        0000000000000000 0010000000000000 0100000000000000 \
 *        0a000000 09000000 28000000 0000000000000000 0000000000000000 \
 *        0000000000000000 0010000000000000 0000000000000000 | xxd -r -p >$d/map_unmap
 *   # a few random bytes (a header cut short)
 *   echo 5be1c0ffee4213 | xxd -r -p >$d/garbage
 *   # a NEED_REPLY UNMAP whose shm_offset holds the marker "\x1eOP:",
 *   # then the map_unmap pair (never delivered: translation stops at it)
 *   { echo 0a000000 09000000 28000000 0000000000000000 0000000000000000 \
 *          1e4f503a00000000 0010000000000000 0000000000000000 | xxd -r -p
 *     cat $d/map_unmap; } >$d/marker_in_message
 */
#define _GNU_SOURCE /* memmem */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "op_wire.h"
#include "program.h"
#include "wire.h"

#define NAIVE_FD_SIZE 0x10000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* config pairs (u8 shmid, u64 size LE): shmid 0 = 0x10000, shmid 3 = 0x4000 */
static const uint8_t config_pairs[] = {
	0, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0,
	3, 0x00, 0x40, 0x00, 0, 0, 0, 0, 0,
};
/* The memfd content, tiled (as the seeds use); holds no marker byte. */
static const uint8_t fd_pattern[] = { 0xa5, 0x5a, 0x01, 0x02 };

/*
 * The program, reused across inputs. Its buffer is allocated once, before
 * main(), at a size no program of translate() exceeds (at most
 * VSF_PROG_MAX_OPS records, each under 64 bytes of fields plus at most
 * VSF_PROG_MAX_DATA of data): growing it in some inputs only would take
 * branches AFL++ counts as instability, and its leak check would run.
 */
#define NAIVE_PROG_CAP ((size_t)VSF_PROG_MAX_OPS * (64 + VSF_PROG_MAX_DATA))
static struct vsf_buf prog;
static const char *dump_path; /* VSF_NAIVE_DUMP */

__attribute__((constructor)) static void naive_init(void)
{
	prog.data = malloc(NAIVE_PROG_CAP);
	if (!prog.data)
		abort();
	prog.cap = NAIVE_PROG_CAP;
	dump_path = getenv("VSF_NAIVE_DUMP");
}

static void emit(const struct vsf_op *op)
{
	if (vsf_op_encode(op, &prog) < 0)
		abort(); /* out of memory, or an op over the caps: a bug here */
}

static void translate(const uint8_t *data, size_t size)
{
	struct vsf_op op;
	size_t off = 0, nops = 0;
	unsigned i = 0;
	bool last = false;

	prog.len = 0;
	memset(&op, 0, sizeof(op));
	op.code = VSF_OP_CONFIG;
	op.config.request = VSF_REQ_GET_SHMEM_CONFIG;
	op.config.flags = VSF_REPLY_FLAGS;
	op.config.size = VSF_CONFIG_PAYLOAD_SIZE;
	op.config.nregions = 2;
	op.config.npairs = sizeof(config_pairs) / 9; /* 9 bytes a pair */
	op.config.pairs = config_pairs;
	emit(&op);
	nops++;

	while (off < size && !last && nops + 2 <= VSF_PROG_MAX_OPS) {
		const uint8_t *msg = data + off, *marker;
		uint8_t handle = (uint8_t)(i++ % VSF_PROG_MAX_HANDLES);
		struct vsf_wire_header h;
		size_t next = off, len;
		bool with_fd;

		if (op_wire_next_message(data, size, &next, &h) > 0) {
			len = next - off;
		} else {
			len = size - off;
			last = true; /* oversized or cut short: the rest is one chunk */
		}
		if (len > VSF_PROG_MAX_DATA)
			len = VSF_PROG_MAX_DATA;
		marker = memmem(msg, len, VSF_PROG_MAGIC, VSF_PROG_MAGIC_LEN);
		if (marker) {
			len = (size_t)(marker - msg) + 1; /* see the comment at the top */
			last = true;
		}

		/* The fixed rule: a fresh memfd with every message whose request
		 * field says SHMEM_MAP, nothing with any other. */
		with_fd = len >= 4 && vsf_load_le32(msg) == VSF_BACKEND_SHMEM_MAP;
		if (with_fd) {
			memset(&op, 0, sizeof(op));
			op.code = VSF_OP_FD;
			op.fd.handle = handle;
			op.fd.kind = VSF_FD_MEMFD;
			op.fd.size = NAIVE_FD_SIZE;
			op.data = fd_pattern;
			op.data_len = sizeof(fd_pattern);
			emit(&op);
		}

		memset(&op, 0, sizeof(op));
		op.code = VSF_OP_SEND;
		op.nfds = with_fd;
		op.handles = with_fd ? &handle : NULL;
		op.data = msg;
		op.data_len = len;
		emit(&op);

		nops += 1 + with_fd;
		off += len;
	}
}

/* VSF_NAIVE_DUMP=FILE: the translated program, for triage (see the top). */
static void dump(void)
{
	FILE *fp;

	if (!dump_path)
		return;
	fp = fopen(dump_path, "wb");
	if (!fp || fwrite(prog.data, 1, prog.len, fp) != prog.len || fclose(fp) != 0) {
		perror(dump_path);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	translate(data, size);
	dump();
	vsf_harness_run(VSF_HARNESS_BACKEND_CHANNEL, prog.data, prog.len);
	return 0;
}
