/* SPDX-License-Identifier: MIT */
/*
 * The fuzz input format: a program of operations.
 *
 * Binary form
 * -----------
 * An input is a sequence of records. Each record starts with the 4-byte
 * marker VSF_PROG_MAGIC ("\x1eOP:") followed by one opcode byte and the
 * op's fields, little-endian, packed, no padding. A record ends where the
 * next marker starts (or at the end of input), so a byte deleted or inserted
 * inside one record breaks that record only: every other record still
 * decodes. Bytes before the first marker, and records that do not decode
 * exactly (unknown opcode, fields cut short, trailing bytes where the op has
 * none), are kept as "bytes" ops: executing them does nothing, and they
 * survive a binary -> text -> binary round trip unchanged.
 *
 * Ops (opcode, fields after it, text form). scenario/op_table.c describes
 * each op's fields once (offset, width, default, text form), for the codec,
 * the text form, the mutator and the C emitter; this is what they mean:
 *
 *  0x01 fd        u8 handle, u8 kind, u32 size, u8 seals, content...
 *                 fd 3 memfd size=0x2000 seals=0x8 data=a5a5
 *                 Create fd resource `handle` (0..15, taken modulo 16); a
 *                 handle that is created again is replaced. Kinds: memfd
 *                 (size bytes, content tiled over it, F_SEAL_* bits in seals
 *                 added), rofile (the same content, opened read-only), pipe,
 *                 eventfd, socket, devzero, dir, opath.
 *  0x02 session   u64 features, u64 protocol_features, u64 ack,
 *                 [u64 features_after_owner]
 *                 session features=0x140000000 protocol=0x100028 ack=0
 *                 What the backend answers to GET_FEATURES (both times),
 *                 GET_PROTOCOL_FEATURES and SET_BACKEND_REQ_FD (REPLY_ACK).
 *                 features_after_owner, an optional trailing field (a record
 *                 without it, as every record before it was added, means 0):
 *                 when not 0, what vsf-demo-backend answers to GET_FEATURES
 *                 after SET_OWNER instead, a front-end that must notice the
 *                 change. The harnesses do not play it (their shadow model
 *                 knows one answer) and the mutator leaves it alone.
 *                 Until a session op, the backend offers VERSION_1,
 *                 PROTOCOL_FEATURES and every protocol feature we take.
 *                 The backend-channel harness attaches with
 *                 protocol & what the front-end offers.
 *  0x03 config    u32 request, u32 flags, u32 size, u32 nregions,
 *                 then (u8 shmid, u64 size) pairs...
 *                 config nregions=2 sizes=0:0x10000,7:0x4000
 *                 The backend's GET_SHMEM_CONFIG reply: header fields
 *                 (defaults 44, 0x5, 2056; the payload is cut or zero-padded
 *                 to size), nregions as sent, and the sizes set in order.
 *  0x04 connect   (no fields)
 *                 (Re)connect: drop the session, then negotiate again using
 *                 the latest session and config ops. The first message op
 *                 of a program connects implicitly.
 *  0x05 reset     device reset
 *  0x06 add_region u8 shmid, u64 size   (a region added by the device model)
 *                 add_region shmid=9 size=0x8000
 *  0x07 shutdown  the backend shuts down the read side of its channel end
 *                 (replies cannot be delivered any more)
 *  0x0b hangup    the backend shuts down the write side of its channel end
 *                 (the front-end reads the end of the stream)
 *  0x0c truncate  u8 handle, u32 size   (vsf-demo-backend plays it too)
 *                 truncate 0 size=0x1000
 *                 The backend resizes fd resource HANDLE (ftruncate, size
 *                 clamped like an fd op's) after it may have been sent: a
 *                 memfd shrunk under a mapping. What the kernel refuses (a
 *                 seal, a read-only or O_PATH fd) changes nothing.
 *  0x0d fault     u8 call, u8 after, u8 errno, [u16 short]
 *                 fault mmap after=1 errno=ENOMEM
 *                 fault sendmsg short=13
 *                 The front-end's call of CALL (mmap mremap munmap recvmsg
 *                 sendmsg fstat fstatfs poll socketpair close) after the
 *                 next `after` ones fails with errno (0: the call's usual
 *                 one), once; a later fault op replaces one not yet fired.
 *                 An errno the call cannot fail with, or an unknown call,
 *                 arms nothing (scenario/fault.h lists both). `short`, an
 *                 optional trailing field, for sendmsg only: instead of
 *                 failing, that send takes only its first `short` bytes (and
 *                 its fds), as a socket with little room does; the rest is
 *                 the front-end's to send next. 0 (the default): a failure.
 *  0x08 send      u16 chunk, u8 nfds, u8 handle[nfds], bytes...
 *                 send fds=1,2 chunk=5 data=0900000009000000...
 *                 Raw backend-channel bytes, written in chunks of `chunk`
 *                 bytes (0: at once; chunks are made larger so that there
 *                 are at most 64), the fds going with the first chunk.
 *  0x09 map       u32 hflags, u8 shmid, u64 fd_offset, u64 shm_offset,
 *  0x0a unmap     u64 len, u64 mflags, u16 chunk, u8 nfds, u8 handle[nfds]
 *                 map shmid=0 fd=1 fd_offset=0 shm_offset=0x1000 len=0x1000 rw need_reply
 *                 unmap shmid=0 shm_offset=0x1000 len=0x1000 need_reply
 *                 A SHMEM_MAP / SHMEM_UNMAP with a 40-byte payload built
 *                 from the fields. Text: hflags default 0x1, `need_reply`
 *                 adds 0x8, other values as hflags=; mflags `rw` (1), `ro`
 *                 (0, printed only for map), else mflags=.
 *  0x0e answer    u32 request, u8 nth, u8 form, u64 value, u32 id,
 *                 u32 flags, u32 size, u32 offset, u32 csize, u32 cflags,
 *                 u8 nfds, u8 handle[nfds], bytes...
 *                 answer GET_QUEUE_NUM reply value=0x2
 *                 answer GET_CONFIG nth=1 withhold
 *                 answer GET_CONFIG reply cflags=0x1 data=0000100000000000
 *                 How the backend answers front-end request REQUEST (a name
 *                 of scenario/vhost_names.h in text, else request=N) from
 *                 here on: a rule of scenario/backend_peer.h. nth: the nth
 *                 REQUEST of the session (counted from its connection, 1 the
 *                 first), 0 every one; a rule for the nth one goes before a
 *                 rule for every one, and a later op for the same REQUEST
 *                 and nth replaces an earlier one. form: `reply` the rule's
 *                 reply where one is owed (a GET_*, a request with
 *                 NEED_REPLY), `withhold` none at all, `cut` its header
 *                 alone (the payload never comes), `always` the reply even
 *                 to a request that owes none (a reply nobody asked for).
 *                 A rule is the whole answer: its payload is, for GET_CONFIG,
 *                 u32 offset, u32 size, u32 flags (csize; each the request's
 *                 own unless given) then the config bytes (data, else the
 *                 device config space at that offset) cut or zero-padded to
 *                 the size the request asked; for any other request data
 *                 when given (GET_INFLIGHT_FD's 24-byte payload), else the
 *                 u64 value (features, a queue count, a slot count, a
 *                 NEED_REPLY acknowledgement: 0 success). The header:
 *                 request id `id` (default REQUEST), `flags` (default 0x5),
 *                 `size` (default the payload's length; else the payload is
 *                 cut or zero-padded to it); the u32 header and GET_CONFIG
 *                 fields at 0xffffffff (VSF_ANSWER_NATURAL, their default)
 *                 are the natural ones. fds: handles of the fd table, sent
 *                 with the reply (the fds the handles name when the op runs).
 *                 Where it acts: the out-of-process driver answers its
 *                 target's requests with it (an op before the target starts,
 *                 at the first message, wait, shutdown, hangup or connect op,
 *                 shapes its start-up; one whose reply was withheld gets the
 *                 profile's reply timeout to give up on it before the
 *                 start-up is over); vsf-demo-backend takes the ones
 *                 before its first message, without fds; the in-process
 *                 session harness models a plain value reply to GET_FEATURES
 *                 (nth 0), GET_PROTOCOL_FEATURES and SET_BACKEND_REQ_FD (nth
 *                 0 or 1) and counts every other rule as not applicable
 *                 (skipped: its shadow model knows one answer to each);
 *                 the backend-channel harness negotiates nothing: all are
 *                 not applicable there.
 *  0x0f wait      u32 request, u8 nth
 *                 wait SET_VRING_CALL
 *                 The out-of-process driver serves the target's front-end
 *                 channel (starting the target first if no op did) until
 *                 it has sent REQUEST nth times (default 1) in this session,
 *                 or the profile's reply timeout passed: then a liveness
 *                 finding if its profile's `sends` list has REQUEST at
 *                 least nth times, else the program goes on. A no-op in
 *                 process and in vsf-demo-backend (which negotiates before
 *                 it plays).
 *  0xff bytes     (text only) bytes=<hex>: raw input bytes, see above.
 *
 * Text form
 * ---------
 * One op per line, `key=value` fields (numbers decimal or 0x-hex), `#`
 * starts a comment. Fields left out take their defaults (0 unless said
 * otherwise); the printer leaves out exactly the defaults, so
 * text -> binary -> text is exact for printed text, and binary -> text ->
 * binary is exact for any input.
 *
 * Caps that keep one input from exhausting the machine, or a campaign's
 * queue from drifting to inputs that each cost milliseconds: VSF_PROG_MAX_OPS
 * ops are executed (the rest ignored), the first VSF_PROG_MAX_CONNECTS
 * connect ops (each a whole negotiation; later ones are skipped), message
 * ops (send, map, unmap) while their bytes fit VSF_PROG_MAX_SEND_BYTES
 * (one that does not is skipped), fd sizes are clamped to
 * VSF_PROG_MAX_FD_SIZE, the sized fds of one input (memfd, rofile, opath)
 * together to VSF_PROG_MAX_FD_BYTES (in op order: once it is spent, an fd
 * gets what is left, possibly 0 bytes), and raw data is at most
 * VSF_PROG_MAX_DATA bytes.
 */
#ifndef VSF_PROGRAM_H
#define VSF_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VSF_PROG_MAGIC     "\x1eOP:"
#define VSF_PROG_MAGIC_LEN 4

#define VSF_PROG_MAX_OPS     256       /* ops executed per input */
#define VSF_PROG_MAX_HANDLES 16        /* fd resource table */
#define VSF_PROG_MAX_FD_SIZE (1u << 20) /* bytes of one memfd or file */
#define VSF_PROG_MAX_FD_BYTES (4u << 20) /* bytes of all the fds of one input */
#define VSF_PROG_MAX_CONNECTS 8          /* connect ops executed per input */
#define VSF_PROG_MAX_SEND_BYTES (64u << 10) /* message bytes delivered per input */
#define VSF_PROG_MAX_DATA    8192      /* raw bytes of one send, fd content, or bytes op */
#define VSF_PROG_MAX_SIZES   256       /* size pairs in one config */
#define VSF_PROG_MAX_OP_FDS  32        /* fd handles on one message op: more than fit the channel's control buffer */
#define VSF_PROG_PAIR_LEN    9         /* one config size pair: u8 shmid, u64 size (LE) */

enum vsf_op_code {
	VSF_OP_FD = 0x01,
	VSF_OP_SESSION = 0x02,
	VSF_OP_CONFIG = 0x03,
	VSF_OP_CONNECT = 0x04,
	VSF_OP_RESET = 0x05,
	VSF_OP_ADD_REGION = 0x06,
	VSF_OP_SHUTDOWN = 0x07,
	VSF_OP_SEND = 0x08,
	VSF_OP_MAP = 0x09,
	VSF_OP_UNMAP = 0x0a,
	VSF_OP_HANGUP = 0x0b,
	/* Resize fd resource HANDLE (ftruncate) at this point, after it may
	 * have been sent: a backend shrinking a memfd under a mapping. */
	VSF_OP_TRUNCATE = 0x0c,
	/* Make one of the front-end's own system calls fail (scenario/fault.h). */
	VSF_OP_FAULT = 0x0d,
	/* How the backend answers a front-end request (backend_peer.h). */
	VSF_OP_ANSWER = 0x0e,
	/* Serve the front-end channel until the target sent a request. */
	VSF_OP_WAIT = 0x0f,
	VSF_OP_BYTES = 0xff,
};

/* An answer op's form. */
enum vsf_answer_form {
	VSF_ANSWER_REPLY = 0,    /* the rule's reply, where one is owed */
	VSF_ANSWER_WITHHOLD = 1, /* no reply at all */
	VSF_ANSWER_CUT = 2,      /* the reply's header alone, its payload never sent */
	VSF_ANSWER_ALWAYS = 3,   /* the rule's reply, owed or not */
	VSF_ANSWER_FORM_COUNT
};
/* An answer op's header field at this value is the natural one. */
#define VSF_ANSWER_NATURAL 0xffffffffu

enum vsf_fd_kind {
	VSF_FD_MEMFD = 0,
	VSF_FD_ROFILE = 1,
	VSF_FD_PIPE = 2,
	VSF_FD_EVENTFD = 3,
	VSF_FD_SOCKET = 4,
	VSF_FD_DEVZERO = 5,
	VSF_FD_DIR = 6,
	VSF_FD_OPATH = 7,
	VSF_FD_KIND_COUNT
};

struct vsf_size_pair {
	uint8_t shmid;
	uint64_t size;
};

/* One decoded op. Variable parts point into the decoded input buffer. */
struct vsf_op {
	enum vsf_op_code code;
	union {
		struct {
			uint8_t handle, kind, seals;
			uint32_t size;
		} fd; /* fd, and truncate (handle and size only) */
		struct {
			uint64_t features, protocol_features, ack;
			uint64_t features_after_owner; /* 0: features */
		} session;
		struct {
			uint32_t request, flags, size, nregions;
			size_t npairs;
			const uint8_t *pairs; /* npairs * 9 bytes: u8 shmid, u64 size */
		} config;
		struct {
			uint8_t shmid;
			uint64_t size;
		} add_region;
		struct {
			uint8_t call, after, err;
			uint16_t short_bytes; /* sendmsg: a short send of this many bytes */
		} fault;
		struct {
			uint32_t request;        /* the front-end request answered */
			uint8_t nth, form;       /* 0: every one; enum vsf_answer_form */
			uint64_t value;
			uint32_t id, flags, size; /* the reply's header */
			uint32_t offset, csize, cflags; /* GET_CONFIG's payload header */
		} answer;
		struct {
			uint32_t request;
			uint8_t nth;
		} wait;
		struct {
			uint32_t hflags;
			uint8_t shmid;
			uint64_t fd_offset, shm_offset, len, mflags;
		} mmap; /* map and unmap */
	};
	/* send/map/unmap: chunking and fd handles */
	uint16_t chunk;
	uint8_t nfds;
	const uint8_t *handles;
	/* fd content, send bytes, or bytes-op bytes */
	const uint8_t *data;
	size_t data_len;
};

struct vsf_program {
	struct vsf_op *ops;
	size_t nops, cap;
};

/* Decode buf into p (ops point into buf, which must outlive p). 0 or -ENOMEM. */
int vsf_program_decode(const uint8_t *buf, size_t len, struct vsf_program *p);
/*
 * The same into p's ops array as it is (grown when short), for a caller that
 * decodes input after input: p starts zeroed and is freed once, at the end
 * (or by a failed decode). Saves an allocation and its growth per input.
 */
int vsf_program_redecode(const uint8_t *buf, size_t len, struct vsf_program *p);
/* Room for n ops in p's array, kept by redecode: 0 or -ENOMEM. */
int vsf_program_reserve(struct vsf_program *p, size_t n);
void vsf_program_free(struct vsf_program *p);
/* Size pair i of a config op. */
struct vsf_size_pair vsf_op_config_pair(const struct vsf_op *op, size_t i);

/* Encode one op as a record (bytes ops verbatim) appended to a growing buffer. */
struct vsf_buf {
	uint8_t *data;
	size_t len, cap;
};
int vsf_buf_append(struct vsf_buf *b, const void *data, size_t len);
int vsf_op_encode(const struct vsf_op *op, struct vsf_buf *out);

/* Print a program as text, one op per line. */
void vsf_program_print(const struct vsf_program *p, FILE *out);
/*
 * Parse a whole text program into binary form in out. On error returns
 * -EINVAL and writes "line N: reason" into err.
 */
int vsf_program_parse_text(const char *text, struct vsf_buf *out, char *err, size_t errlen);

const char *vsf_op_name(enum vsf_op_code code);
const char *vsf_fd_kind_name(unsigned kind);
const char *vsf_answer_form_name(unsigned form);

#endif
