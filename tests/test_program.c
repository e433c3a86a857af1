/* SPDX-License-Identifier: MIT */
/*
 * The fuzz program format (scenario/program.h): text -> binary -> text is exact
 * for printed text, binary -> text -> binary is exact for any input, a
 * damaged record damages only itself, and the parser reports errors by line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"
#include "vsf_test.h"

#define MAGIC     VSF_PROG_MAGIC
#define MAGIC_LEN VSF_PROG_MAGIC_LEN

static char *print_program(const struct vsf_program *p)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	SETUP(f);
	vsf_program_print(p, f);
	SETUP(fclose(f) == 0);
	return s;
}

static char *print_one(const struct vsf_op *op)
{
	struct vsf_program p = { .ops = (struct vsf_op *)op, .nops = 1 };

	return print_program(&p);
}

static char *bin_to_text(const uint8_t *b, size_t n)
{
	struct vsf_program p;
	char *s;

	SETUP(vsf_program_decode(b, n, &p) == 0);
	s = print_program(&p);
	vsf_program_free(&p);
	return s;
}

/* Parse text that must be valid into a fresh buffer. */
static struct vsf_buf text_to_bin(const char *text)
{
	struct vsf_buf b = { 0 };
	char err[256];
	int ret = vsf_program_parse_text(text, &b, err, sizeof(err));

	if (ret)
		fprintf(stderr, "parse of \"%s\" failed: %s\n", text, err);
	CHECK_EQ(ret, 0);
	return b;
}

/* binary -> text -> binary must give back exactly b; also text is stable. */
static bool bin_roundtrip_ok(const uint8_t *b, size_t n)
{
	struct vsf_buf again, re = { 0 };
	struct vsf_program p;
	char err[256];
	bool ok;
	char *text, *text2;

	SETUP(vsf_program_decode(b, n, &p) == 0);
	for (size_t i = 0; i < p.nops; i++)
		SETUP(vsf_op_encode(&p.ops[i], &re) == 0);
	ok = re.len == n && (!n || !memcmp(re.data, b, n));

	text = print_program(&p);
	again = (struct vsf_buf){ 0 };
	if (vsf_program_parse_text(text, &again, err, sizeof(err))) {
		fprintf(stderr, "printed text does not parse: %s\n%s", err, text);
		ok = false;
	}
	ok = ok && again.len == n && (!n || !memcmp(again.data, b, n));
	text2 = bin_to_text(again.data, again.len);
	ok = ok && !strcmp(text, text2);
	if (!ok)
		fprintf(stderr, "round trip failed for %zu bytes:\n%s", n, text);
	free(text);
	free(text2);
	free(again.data);
	free(re.data);
	vsf_program_free(&p);
	return ok;
}

/* Drop the printer's comment lines (a raw send's messages) in place. */
static void drop_comments(char *text)
{
	char *in = text, *out = text;

	while (*in) {
		char *eol = strchr(in, '\n');
		size_t n = eol ? (size_t)(eol - in) + 1 : strlen(in);

		if (*in != '#') {
			memmove(out, in, n);
			out += n;
		}
		in += n;
	}
	*out = '\0';
}

static void check_text_exact(const char *line)
{
	struct vsf_buf b = text_to_bin(line);
	char *back = bin_to_text(b.data, b.len);
	size_t n = strlen(line);

	drop_comments(back);

	CHECK(strlen(back) == n + 1 && !strncmp(back, line, n) && back[n] == '\n');
	if (strlen(back) != n + 1 || strncmp(back, line, n))
		fprintf(stderr, "  in:  %s\n  out: %s", line, back);
	CHECK(bin_roundtrip_ok(b.data, b.len));
	free(back);
	free(b.data);
}

/* Printed forms; every one must come back exactly. */
static const char *const printed_lines[] = {
	"fd 3 memfd size=0x2000 seals=0x8 data=a5a5",
	"fd 0 memfd",
	"fd 15 rofile size=0x1000 data=00ff",
	"fd 200 pipe",
	"fd 1 eventfd",
	"fd 2 socket",
	"fd 4 devzero",
	"fd 5 dir",
	"fd 6 opath seals=0xff",
	"fd 7 kind=8 size=0xffffffff",
	"fd 9 kind=255",
	"session",
	"session features=0x40000000 protocol=0x100028 ack=0x1",
	"session ack=0xffffffffffffffff",
	"config",
	"config nregions=2 sizes=0:0x10000,7:0x4000",
	"config nregions=4294967295 sizes=255:0x0,255:0xffffffffffffffff request=1 flags=0x0 size=0",
	"config request=45",
	"config flags=0x9 size=4096",
	"connect",
	"reset",
	"shutdown",
	"hangup",
	"add_region",
	"add_region shmid=9 size=0x8000",
	"add_region shmid=255 size=0xffffffffffffffff",
	"truncate 0",
	"truncate 3 size=0x1000",
	"truncate 255 size=0xffffffff",
	"fault mmap",
	"fault mremap after=2 errno=EAGAIN",
	"fault close errno=EIO",
	"fault call=200 after=255 errno=200",
	"fault sendmsg short=13",
	"fault sendmsg after=1 errno=EAGAIN short=65535",
	"answer GET_QUEUE_NUM reply value=0x2",
	"answer GET_CONFIG withhold nth=1",
	"answer GET_CONFIG reply offset=0x0 csize=60 cflags=0x1 fd=3 data=00001000",
	"answer SET_BACKEND_REQ_FD cut",
	"answer SET_OWNER always value=0x1 id=3 flags=0xd size=0",
	"answer request=99 form=7 nth=255",
	"wait SET_VRING_CALL",
	"wait GET_FEATURES nth=2",
	"wait request=4294967295 nth=0",
	"send",
	"send fd=1",
	"send fds=1,2 chunk=5 data=0900000009000000",
	"send fds=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,255 chunk=65535",
	"map ro",
	"map fd=1 shm_offset=0x1000 len=0x1000 rw need_reply",
	"map shmid=3 fds=1,2 fd_offset=0x10 mflags=0x3 hflags=0x0 chunk=7",
	"map rw hflags=0xb",
	"map shmid=255 fd_offset=0xffffffffffffffff shm_offset=0xffffffffffffffff len=0xffffffffffffffff mflags=0xffffffffffffffff hflags=0xffffffff",
	"unmap",
	"unmap shm_offset=0x1000 len=0x1000 need_reply",
	"unmap rw",
	"unmap fd=3 mflags=0x2 need_reply",
	"bytes data=00",
	"bytes data=1e4f503a",
	"bytes data=1e4f503a0400",
	"bytes data=1e4f503a63",
	"bytes data=1e4f503aff",
};

TEST(text_roundtrip_every_op)
{
	for (size_t i = 0; i < sizeof(printed_lines) / sizeof(printed_lines[0]); i++)
		check_text_exact(printed_lines[i]);
}

TEST(text_roundtrip_whole_program)
{
	static const char text[] =
		"bytes data=00010203\n"
		"session features=0x40000000 protocol=0x100028\n"
		"config nregions=1 sizes=0:0x10000\n"
		"fd 1 memfd size=0x1000 data=a5\n"
		"connect\n"
		"map fd=1 len=0x1000 rw need_reply\n"
		"send fd=1 chunk=3 data=0a000000\n"
		"bytes data=1e4f503a0101\n"
		"unmap len=0x1000 need_reply\n"
		"reset\n"
		"add_region shmid=4 size=0x4000\n"
		"shutdown\n";
	struct vsf_buf b = text_to_bin(text);
	char *back = bin_to_text(b.data, b.len);

	drop_comments(back);
	CHECK(!strcmp(back, text));
	free(back);
	free(b.data);
}

/* Storage for ops built in C. */
static const uint8_t some_data[] = { 0xa5, 0x1e, 0x4f, 0x50, 0x00, 0xff };
static const uint8_t some_handles[] = { 1, 2, 15, 16, 255 };
static const uint8_t some_pairs[] = {
	0, 0, 0, 1, 0, 0, 0, 0, 0,
	7, 0, 0x40, 0, 0, 0, 0, 0, 0,
};

static void every_op(struct vsf_op ops[11])
{
	memset(ops, 0, 11 * sizeof(ops[0]));
	ops[0].code = VSF_OP_FD;
	ops[0].fd.handle = 3;
	ops[0].fd.kind = VSF_FD_ROFILE;
	ops[0].fd.size = 0x2000;
	ops[0].fd.seals = 0x8;
	ops[0].data = some_data;
	ops[0].data_len = sizeof(some_data);
	ops[1].code = VSF_OP_SESSION;
	ops[1].session.features = 1ull << 30;
	ops[1].session.protocol_features = 0x100028;
	ops[1].session.ack = 7;
	ops[2].code = VSF_OP_CONFIG;
	ops[2].config.request = 44;
	ops[2].config.flags = 5;
	ops[2].config.size = 100;
	ops[2].config.nregions = 2;
	ops[2].config.npairs = 2;
	ops[2].config.pairs = some_pairs;
	ops[3].code = VSF_OP_CONNECT;
	ops[4].code = VSF_OP_RESET;
	ops[5].code = VSF_OP_ADD_REGION;
	ops[5].add_region.shmid = 9;
	ops[5].add_region.size = 0x8000;
	ops[6].code = VSF_OP_SHUTDOWN;
	ops[7].code = VSF_OP_SEND;
	ops[7].chunk = 5;
	ops[7].nfds = 2;
	ops[7].handles = some_handles;
	ops[7].data = some_data;
	ops[7].data_len = 4;
	ops[8].code = VSF_OP_MAP;
	ops[8].mmap.hflags = 0x9;
	ops[8].mmap.shmid = 1;
	ops[8].mmap.fd_offset = 0x1000;
	ops[8].mmap.shm_offset = 0x2000;
	ops[8].mmap.len = 0x3000;
	ops[8].mmap.mflags = 1;
	ops[8].chunk = 1;
	ops[8].nfds = 1;
	ops[8].handles = some_handles;
	ops[9] = ops[8];
	ops[9].code = VSF_OP_UNMAP;
	ops[9].nfds = 0;
	ops[9].handles = NULL;
	ops[10].code = VSF_OP_BYTES;
	ops[10].data = some_data;
	ops[10].data_len = sizeof(some_data);
}

TEST(binary_roundtrip_every_op)
{
	struct vsf_op ops[11];
	struct vsf_buf all = { 0 };

	every_op(ops);
	for (size_t i = 0; i < 11; i++) {
		struct vsf_buf b = { 0 }, again = { 0 };
		struct vsf_program p;

		CHECK_EQ(vsf_op_encode(&ops[i], &b), 0);
		CHECK(bin_roundtrip_ok(b.data, b.len));
		SETUP(vsf_program_decode(b.data, b.len, &p) == 0);
		CHECK_EQ(p.nops, 1);
		CHECK_EQ(p.ops[0].code, ops[i].code);
		CHECK_EQ(vsf_op_encode(&p.ops[0], &again), 0);
		CHECK(again.len == b.len && !memcmp(again.data, b.data, b.len));
		vsf_program_free(&p);
		free(again.data);
		free(b.data);
		/* bytes ops only keep their identity at the start of an input */
		if (ops[i].code != VSF_OP_BYTES)
			SETUP(vsf_op_encode(&ops[i], &all) == 0);
	}
	CHECK(bin_roundtrip_ok(all.data, all.len));
	free(all.data);
}

TEST(decoded_fields)
{
	struct vsf_op ops[11];
	struct vsf_buf b = { 0 };
	struct vsf_program p;
	struct vsf_size_pair sp;

	every_op(ops);
	for (size_t i = 0; i < 10; i++)
		SETUP(vsf_op_encode(&ops[i], &b) == 0);
	SETUP(vsf_program_decode(b.data, b.len, &p) == 0);
	CHECK_EQ(p.nops, 10);
	CHECK_EQ(p.ops[0].fd.handle, 3);
	CHECK_EQ(p.ops[0].fd.kind, VSF_FD_ROFILE);
	CHECK_EQ(p.ops[0].fd.size, 0x2000);
	CHECK_EQ(p.ops[0].fd.seals, 0x8);
	CHECK_EQ(p.ops[0].data_len, sizeof(some_data));
	CHECK(!memcmp(p.ops[0].data, some_data, sizeof(some_data)));
	CHECK(p.ops[0].data >= b.data && p.ops[0].data < b.data + b.len);
	CHECK_EQ(p.ops[1].session.features, 1ull << 30);
	CHECK_EQ(p.ops[1].session.protocol_features, 0x100028);
	CHECK_EQ(p.ops[1].session.ack, 7);
	CHECK_EQ(p.ops[2].config.request, 44);
	CHECK_EQ(p.ops[2].config.flags, 5);
	CHECK_EQ(p.ops[2].config.size, 100);
	CHECK_EQ(p.ops[2].config.nregions, 2);
	CHECK_EQ(p.ops[2].config.npairs, 2);
	sp = vsf_op_config_pair(&p.ops[2], 0);
	CHECK_EQ(sp.shmid, 0);
	CHECK_EQ(sp.size, 0x10000);
	sp = vsf_op_config_pair(&p.ops[2], 1);
	CHECK_EQ(sp.shmid, 7);
	CHECK_EQ(sp.size, 0x4000);
	CHECK_EQ(p.ops[5].add_region.shmid, 9);
	CHECK_EQ(p.ops[5].add_region.size, 0x8000);
	CHECK_EQ(p.ops[7].chunk, 5);
	CHECK_EQ(p.ops[7].nfds, 2);
	CHECK_EQ(p.ops[7].handles[1], 2);
	CHECK_EQ(p.ops[7].data_len, 4);
	CHECK_EQ(p.ops[8].mmap.hflags, 0x9);
	CHECK_EQ(p.ops[8].mmap.shmid, 1);
	CHECK_EQ(p.ops[8].mmap.fd_offset, 0x1000);
	CHECK_EQ(p.ops[8].mmap.shm_offset, 0x2000);
	CHECK_EQ(p.ops[8].mmap.len, 0x3000);
	CHECK_EQ(p.ops[8].mmap.mflags, 1);
	CHECK_EQ(p.ops[8].chunk, 1);
	CHECK_EQ(p.ops[8].nfds, 1);
	CHECK_EQ(p.ops[8].handles[0], 1);
	CHECK_EQ(p.ops[9].code, VSF_OP_UNMAP);
	CHECK_EQ(p.ops[9].nfds, 0);
	vsf_program_free(&p);
	free(b.data);
}

/* Fields at their defaults are left out; the parser fills them back in. */
TEST(defaults_left_out)
{
	static const struct {
		struct vsf_op op;
		const char *text;
	} cases[] = {
		{ { .code = VSF_OP_FD }, "fd 0 memfd\n" },
		{ { .code = VSF_OP_SESSION }, "session\n" },
		{ { .code = VSF_OP_CONFIG, .config = { 44, 5, 2056, 0, 0, NULL } }, "config\n" },
		{ { .code = VSF_OP_CONFIG }, "config request=0 flags=0x0 size=0\n" },
		{ { .code = VSF_OP_ADD_REGION }, "add_region\n" },
		{ { .code = VSF_OP_SEND }, "send\n" },
		{ { .code = VSF_OP_MAP, .mmap = { .hflags = 1 } }, "map ro\n" },
		{ { .code = VSF_OP_MAP }, "map ro hflags=0x0\n" },
		{ { .code = VSF_OP_UNMAP, .mmap = { .hflags = 1 } }, "unmap\n" },
		{ { .code = VSF_OP_UNMAP, .mmap = { .hflags = 9, .mflags = 1 } }, "unmap rw need_reply\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vsf_buf b = { 0 }, parsed;
		char *s = print_one(&cases[i].op);

		CHECK(!strcmp(s, cases[i].text));
		if (strcmp(s, cases[i].text))
			fprintf(stderr, "  want: %s  got:  %s", cases[i].text, s);
		SETUP(vsf_op_encode(&cases[i].op, &b) == 0);
		parsed = text_to_bin(cases[i].text);
		CHECK(parsed.len == b.len && !memcmp(parsed.data, b.data, b.len));
		free(parsed.data);
		free(b.data);
		free(s);
	}
}

static void check_decodes(const void *in, size_t n, size_t nops, const enum vsf_op_code *codes)
{
	struct vsf_program p;

	SETUP(vsf_program_decode(in, n, &p) == 0);
	CHECK_EQ(p.nops, nops);
	for (size_t i = 0; i < nops && i < p.nops; i++)
		CHECK_EQ(p.ops[i].code, codes[i]);
	CHECK(bin_roundtrip_ok(in, n));
	vsf_program_free(&p);
}

/* A record of opcode code with body_len further bytes, the last byte set to last. */
static size_t record(uint8_t *out, uint8_t code, size_t body_len, int at, uint8_t val)
{
	memcpy(out, MAGIC, MAGIC_LEN);
	out[MAGIC_LEN] = code;
	memset(out + MAGIC_LEN + 1, 0, body_len);
	if (at >= 0)
		out[MAGIC_LEN + 1 + at] = val;
	return MAGIC_LEN + 1 + body_len;
}

TEST(decode_framing)
{
	static uint8_t in[3 * VSF_PROG_MAX_DATA];
	const enum vsf_op_code B = VSF_OP_BYTES;
	enum vsf_op_code codes[4];
	size_t n;

	check_decodes("", 0, 0, NULL);
	check_decodes("abc", 3, 1, &B);
	check_decodes(MAGIC, MAGIC_LEN, 1, &B);
	codes[0] = B;
	codes[1] = VSF_OP_CONNECT;
	check_decodes("ab" MAGIC "\x04", 7, 2, codes);
	codes[0] = VSF_OP_RESET;
	codes[1] = VSF_OP_CONNECT;
	check_decodes(MAGIC "\x05" MAGIC "\x04", 10, 2, codes);
	/* a marker whose first bytes end the previous record */
	codes[0] = B;
	codes[1] = VSF_OP_CONNECT;
	check_decodes(MAGIC "\x05\x1eOP" MAGIC "\x04", 13, 2, codes);

	/* trailing byte, unknown opcodes, opcode 0xff is text only */
	check_decodes(MAGIC "\x04\x00", 6, 1, &B);
	check_decodes(MAGIC "\x63", 5, 1, &B);
	check_decodes(MAGIC "\x00", 5, 1, &B);
	check_decodes(MAGIC "\xff", 5, 1, &B);

	codes[0] = VSF_OP_SESSION;
	check_decodes(in, record(in, VSF_OP_SESSION, 24, -1, 0), 1, codes);
	check_decodes(in, record(in, VSF_OP_SESSION, 23, -1, 0), 1, &B);
	check_decodes(in, record(in, VSF_OP_SESSION, 25, -1, 0), 1, &B);
	codes[0] = VSF_OP_ADD_REGION;
	check_decodes(in, record(in, VSF_OP_ADD_REGION, 9, -1, 0), 1, codes);
	check_decodes(in, record(in, VSF_OP_ADD_REGION, 8, -1, 0), 1, &B);

	codes[0] = VSF_OP_CONFIG;
	check_decodes(in, record(in, VSF_OP_CONFIG, 16, -1, 0), 1, codes);
	check_decodes(in, record(in, VSF_OP_CONFIG, 15, -1, 0), 1, &B);
	check_decodes(in, record(in, VSF_OP_CONFIG, 16 + 9, -1, 0), 1, codes);
	check_decodes(in, record(in, VSF_OP_CONFIG, 16 + 8, -1, 0), 1, &B);
	check_decodes(in, record(in, VSF_OP_CONFIG, 16 + 10, -1, 0), 1, &B);
	check_decodes(in, record(in, VSF_OP_CONFIG, 16 + 9 * VSF_PROG_MAX_SIZES, -1, 0), 1, codes);
	check_decodes(in, record(in, VSF_OP_CONFIG, 16 + 9 * (VSF_PROG_MAX_SIZES + 1), -1, 0), 1, &B);

	codes[0] = VSF_OP_FD;
	check_decodes(in, record(in, VSF_OP_FD, 7, -1, 0), 1, codes);
	check_decodes(in, record(in, VSF_OP_FD, 6, -1, 0), 1, &B);
	check_decodes(in, record(in, VSF_OP_FD, 7 + VSF_PROG_MAX_DATA, -1, 0), 1, codes);
	check_decodes(in, record(in, VSF_OP_FD, 8 + VSF_PROG_MAX_DATA, -1, 0), 1, &B);

	/* send: u16 chunk, u8 nfds, handles, data */
	codes[0] = VSF_OP_SEND;
	check_decodes(in, record(in, VSF_OP_SEND, 3, -1, 0), 1, codes);
	check_decodes(in, record(in, VSF_OP_SEND, 2, -1, 0), 1, &B);
	check_decodes(in, record(in, VSF_OP_SEND, 4, 2, 2), 1, &B);
	check_decodes(in, record(in, VSF_OP_SEND, 5, 2, 2), 1, codes);
	check_decodes(in, record(in, VSF_OP_SEND, 3 + VSF_PROG_MAX_OP_FDS, 2, VSF_PROG_MAX_OP_FDS), 1, codes);
	check_decodes(in, record(in, VSF_OP_SEND, 4 + VSF_PROG_MAX_OP_FDS, 2, VSF_PROG_MAX_OP_FDS + 1), 1, &B);
	check_decodes(in, record(in, VSF_OP_SEND, 3 + VSF_PROG_MAX_DATA, -1, 0), 1, codes);
	check_decodes(in, record(in, VSF_OP_SEND, 4 + VSF_PROG_MAX_DATA, -1, 0), 1, &B);

	/* map/unmap: 40 fixed bytes, nfds last, handles, nothing after */
	codes[0] = VSF_OP_MAP;
	check_decodes(in, record(in, VSF_OP_MAP, 40, -1, 0), 1, codes);
	check_decodes(in, record(in, VSF_OP_MAP, 39, -1, 0), 1, &B);
	check_decodes(in, record(in, VSF_OP_MAP, 41, -1, 0), 1, &B);
	check_decodes(in, record(in, VSF_OP_MAP, 40, 39, 1), 1, &B);
	check_decodes(in, record(in, VSF_OP_MAP, 41, 39, 1), 1, codes);
	check_decodes(in, record(in, VSF_OP_MAP, 42, 39, 1), 1, &B);
	codes[0] = VSF_OP_UNMAP;
	check_decodes(in, record(in, VSF_OP_UNMAP, 40 + VSF_PROG_MAX_OP_FDS, 39, VSF_PROG_MAX_OP_FDS), 1, codes);
	check_decodes(in, record(in, VSF_OP_UNMAP, 41 + VSF_PROG_MAX_OP_FDS, 39, VSF_PROG_MAX_OP_FDS + 1), 1, &B);

	/* a bad record between good ones */
	n = record(in, VSF_OP_CONNECT, 0, -1, 0);
	n += record(in + n, VSF_OP_SESSION, 3, -1, 0);
	n += record(in + n, VSF_OP_RESET, 0, -1, 0);
	codes[0] = VSF_OP_CONNECT;
	codes[1] = B;
	codes[2] = VSF_OP_RESET;
	check_decodes(in, n, 3, codes);
}

/* No cap on the number of ops decoded; the executor caps what it runs. */
TEST(decode_many_ops)
{
	size_t n = 10000;
	uint8_t *in = malloc(n * 5);
	struct vsf_program p;

	SETUP(in);
	for (size_t i = 0; i < n; i++)
		record(in + 5 * i, VSF_OP_RESET, 0, -1, 0);
	SETUP(vsf_program_decode(in, n * 5, &p) == 0);
	CHECK_EQ(p.nops, n);
	CHECK_EQ(p.ops[n - 1].code, VSF_OP_RESET);
	CHECK(p.cap >= p.nops && p.cap < 4 * p.nops);
	vsf_program_free(&p);
	CHECK(p.ops == NULL && p.nops == 0);
	free(in);
}

/*
 * Redecoding into the same program (what the harness does input after
 * input) gives what a fresh decode gives, in the array it already has: a
 * long program, then a short one over it, then one of raw bytes.
 */
TEST(redecode_reuses_the_array)
{
	uint8_t in[5 * 40];
	const uint8_t raw[] = { 1, 2, 3 };
	struct vsf_program p = { 0 }, fresh;
	struct vsf_op *array;
	size_t n = 0;

	for (int i = 0; i < 40; i++)
		n += record(in + n, i % 2 ? VSF_OP_RESET : VSF_OP_CONNECT, 0, -1, 0);
	SETUP(vsf_program_reserve(&p, 8) == 0 && p.cap == 8);
	SETUP(vsf_program_redecode(in, n, &p) == 0);
	CHECK_EQ(p.nops, 40);
	CHECK(p.cap >= 40);
	array = p.ops;
	SETUP(vsf_program_redecode(in + 10, 5, &p) == 0); /* the record at 10: a reset */
	SETUP(vsf_program_decode(in + 10, 5, &fresh) == 0);
	CHECK(p.ops == array);
	CHECK_EQ(p.nops, fresh.nops);
	CHECK(!memcmp(p.ops, fresh.ops, fresh.nops * sizeof(fresh.ops[0])));
	vsf_program_free(&fresh);
	SETUP(vsf_program_redecode(raw, sizeof(raw), &p) == 0);
	CHECK(p.ops == array);
	CHECK_EQ(p.nops, 1);
	CHECK_EQ(p.ops[0].code, VSF_OP_BYTES);
	CHECK_EQ(p.ops[0].data_len, sizeof(raw));
	SETUP(vsf_program_redecode(raw, 0, &p) == 0);
	CHECK_EQ(p.nops, 0);
	vsf_program_free(&p);
}

/* ---- pseudo-random inputs ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static size_t rnd_below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

/* A value that is often 0 or a small/edge number, since defaults matter. */
static uint64_t rnd_field(void)
{
	switch (rnd_below(6)) {
	case 0:
		return 0;
	case 1:
		return rnd_below(16);
	case 2:
		return ~0ull;
	default:
		return rnd();
	}
}

struct op_store {
	uint8_t data[64];
	uint8_t handles[VSF_PROG_MAX_OP_FDS];
	uint8_t pairs[9 * 8];
};

static void rnd_bytes(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

static void rnd_op(struct vsf_op *op, struct op_store *st)
{
	static const enum vsf_op_code codes[] = {
		VSF_OP_FD, VSF_OP_SESSION, VSF_OP_CONFIG, VSF_OP_CONNECT, VSF_OP_RESET,
		VSF_OP_ADD_REGION, VSF_OP_SHUTDOWN, VSF_OP_HANGUP, VSF_OP_SEND, VSF_OP_MAP,
		VSF_OP_UNMAP,
	};

	memset(op, 0, sizeof(*op));
	rnd_bytes(st->data, sizeof(st->data));
	rnd_bytes(st->handles, sizeof(st->handles));
	rnd_bytes(st->pairs, sizeof(st->pairs));
	op->code = codes[rnd_below(sizeof(codes) / sizeof(codes[0]))];
	switch (op->code) {
	case VSF_OP_FD:
		op->fd.handle = (uint8_t)rnd_field();
		op->fd.kind = (uint8_t)rnd_below(10);
		op->fd.size = (uint32_t)rnd_field();
		op->fd.seals = (uint8_t)rnd_field();
		op->data = st->data;
		op->data_len = rnd_below(sizeof(st->data));
		break;
	case VSF_OP_SESSION:
		op->session.features = rnd_field();
		op->session.protocol_features = rnd_field();
		op->session.ack = rnd_field();
		break;
	case VSF_OP_CONFIG:
		op->config.request = rnd_below(2) ? 44 : (uint32_t)rnd_field();
		op->config.flags = rnd_below(2) ? 5 : (uint32_t)rnd_field();
		op->config.size = rnd_below(2) ? 2056 : (uint32_t)rnd_field();
		op->config.nregions = (uint32_t)rnd_field();
		op->config.npairs = rnd_below(9);
		op->config.pairs = st->pairs;
		break;
	case VSF_OP_ADD_REGION:
		op->add_region.shmid = (uint8_t)rnd_field();
		op->add_region.size = rnd_field();
		break;
	case VSF_OP_SEND:
		op->data = st->data;
		op->data_len = rnd_below(sizeof(st->data));
		/* fall through */
	case VSF_OP_MAP:
	case VSF_OP_UNMAP:
		op->chunk = (uint16_t)rnd_field();
		op->nfds = (uint8_t)rnd_below(VSF_PROG_MAX_OP_FDS + 1);
		op->handles = st->handles;
		if (op->code == VSF_OP_SEND)
			break;
		op->mmap.hflags = rnd_below(2) ? (rnd_below(2) ? 1 : 9) : (uint32_t)rnd_field();
		op->mmap.shmid = (uint8_t)rnd_field();
		op->mmap.fd_offset = rnd_field();
		op->mmap.shm_offset = rnd_field();
		op->mmap.len = rnd_field();
		op->mmap.mflags = rnd_below(2) ? rnd_below(2) : rnd_field();
		break;
	default:
		break;
	}
}

/* Append something random: noise, a marker and noise, or a valid record. */
static void rnd_chunk(struct vsf_buf *b)
{
	uint8_t noise[48] = { 0 }; /* a record extended by a few bytes may take more than n */
	struct op_store st;
	struct vsf_op op;
	size_t n = rnd_below(sizeof(noise));

	rnd_bytes(noise, n);
	switch (rnd_below(4)) {
	case 0:
		SETUP(vsf_buf_append(b, noise, n) == 0);
		break;
	case 1:
		noise[0] = (uint8_t)rnd_below(12);
		SETUP(vsf_buf_append(b, MAGIC, MAGIC_LEN) == 0);
		SETUP(vsf_buf_append(b, noise, n) == 0);
		break;
	default:
		rnd_op(&op, &st);
		SETUP(vsf_op_encode(&op, b) == 0);
		/* sometimes cut or extend the record */
		if (!rnd_below(8) && b->len)
			b->len -= rnd_below(4) % (b->len + 1);
		else if (!rnd_below(8))
			SETUP(vsf_buf_append(b, noise, n % 3 + 1) == 0);
		break;
	}
}

TEST(random_binary_roundtrip)
{
	size_t failures = 0, decoded = 0, bytes_ops = 0;

	rng_state = 0x9e3779b97f4a7c15ull;
	for (int iter = 0; iter < 4000; iter++) {
		struct vsf_buf b = { 0 };
		struct vsf_program p;
		size_t chunks = rnd_below(8);

		for (size_t i = 0; i < chunks; i++)
			rnd_chunk(&b);
		if (!bin_roundtrip_ok(b.data, b.len))
			failures++;
		SETUP(vsf_program_decode(b.data, b.len, &p) == 0);
		for (size_t i = 0; i < p.nops; i++) {
			if (p.ops[i].code == VSF_OP_BYTES)
				bytes_ops++;
			else
				decoded++;
		}
		vsf_program_free(&p);
		free(b.data);
	}
	CHECK_EQ(failures, 0);
	/* the generator must exercise both outcomes */
	CHECK(decoded > 2000);
	CHECK(bytes_ops > 2000);
}

static size_t count_magic(const uint8_t *b, size_t n)
{
	size_t count = 0;
	const uint8_t *p = b, *end = b + n, *m;

	while (p < end && (m = memmem(p, (size_t)(end - p), MAGIC, MAGIC_LEN))) {
		count++;
		p = m + 1;
	}
	return count;
}

/* n valid records, each holding exactly one marker; offsets in off[0..n]. */
static void rnd_records(struct vsf_buf *b, size_t n, size_t *off, char **lines)
{
	struct op_store st;
	struct vsf_op op;

	for (size_t i = 0; i < n; i++) {
		off[i] = b->len;
		do {
			b->len = off[i];
			rnd_op(&op, &st);
			SETUP(vsf_op_encode(&op, b) == 0);
		} while (count_magic(b->data + off[i], b->len - off[i]) != 1);
		lines[i] = print_one(&op);
	}
	off[n] = b->len;
}

static bool op_is(const struct vsf_program *p, size_t i, const char *line)
{
	char *s;
	bool same;

	if (i >= p->nops)
		return false;
	s = print_one(&p->ops[i]);
	same = !strcmp(s, line);
	free(s);
	return same;
}

/* A byte deleted or inserted inside one record leaves every other record intact. */
TEST(damage_stays_in_one_record)
{
	size_t failures = 0, tried = 0;

	rng_state = 0x1234567887654321ull;
	for (int iter = 0; iter < 2000; iter++) {
		size_t n = 2 + rnd_below(7), off[10], i, at;
		char *lines[9];
		struct vsf_buf b = { 0 };
		struct vsf_program p;
		uint8_t *m;
		bool ok = true;

		rnd_records(&b, n, off, lines);
		i = rnd_below(n);
		/* after the marker: the opcode and the fields */
		at = off[i] + MAGIC_LEN + rnd_below(off[i + 1] - off[i] - MAGIC_LEN);
		m = malloc(b.len + 1);
		SETUP(m);
		memcpy(m, b.data, at);
		if (rnd_below(2)) {
			memcpy(m + at, b.data + at + 1, b.len - at - 1);
			b.len--;
		} else {
			m[at] = (uint8_t)rnd();
			memcpy(m + at + 1, b.data + at, b.len - at);
			b.len++;
		}
		if (count_magic(m, b.len) == n) {
			tried++;
			SETUP(vsf_program_decode(m, b.len, &p) == 0);
			ok = p.nops == n;
			for (size_t j = 0; j < n && ok; j++)
				ok = j == i || op_is(&p, j, lines[j]);
			vsf_program_free(&p);
			ok = ok && bin_roundtrip_ok(m, b.len);
		}
		if (!ok)
			failures++;
		for (size_t j = 0; j < n; j++)
			free(lines[j]);
		free(m);
		free(b.data);
	}
	CHECK_EQ(failures, 0);
	CHECK(tried > 1900);
}

/* Breaking a marker merges its record into the one before; the others survive. */
TEST(damage_to_a_marker)
{
	size_t failures = 0;

	rng_state = 0xdeadbeefcafef00dull;
	for (int iter = 0; iter < 1000; iter++) {
		size_t n = 2 + rnd_below(7), off[10], i, at;
		char *lines[9];
		struct vsf_buf b = { 0 };
		struct vsf_program p;
		bool ok;

		rnd_records(&b, n, off, lines);
		i = rnd_below(n);
		at = off[i] + rnd_below(MAGIC_LEN);
		memmove(b.data + at, b.data + at + 1, b.len - at - 1);
		b.len--;
		if (count_magic(b.data, b.len) != n - 1) {
			/* the damaged marker joined bytes before it into a new one */
			CHECK(bin_roundtrip_ok(b.data, b.len));
			goto next;
		}
		SETUP(vsf_program_decode(b.data, b.len, &p) == 0);
		if (i == 0) {
			/* a leading bytes op replaces record 0 */
			ok = p.nops == n && p.ops[0].code == VSF_OP_BYTES;
			for (size_t j = 1; j < n && ok; j++)
				ok = op_is(&p, j, lines[j]);
		} else {
			/* record i-1 absorbs i: a send or fd keeps it as data */
			ok = p.nops == n - 1;
			for (size_t j = 0; j < n && ok; j++) {
				if (j < i - 1)
					ok = op_is(&p, j, lines[j]);
				else if (j > i)
					ok = op_is(&p, j - 1, lines[j]);
			}
		}
		vsf_program_free(&p);
		ok = ok && bin_roundtrip_ok(b.data, b.len);
		if (!ok)
			failures++;
next:
		for (size_t j = 0; j < n; j++)
			free(lines[j]);
		free(b.data);
	}
	CHECK_EQ(failures, 0);
}

/* ---- text parsing ---- */

TEST(text_syntax)
{
	static const struct {
		const char *loose, *canonical;
	} cases[] = {
		{ "  # only a comment\n\n\tconnect   # trailing\r\n\n", "connect\n" },
		{ "map  rw\tlen=4096 fd=0x1 need_reply   ", "map fd=1 len=0x1000 rw need_reply\n" },
		{ "map hflags=0x9", "map ro need_reply\n" },
		{ "map need_reply hflags=0", "map ro hflags=0x8\n" },
		{ "map mflags=1", "map rw\n" },
		{ "unmap ro", "unmap\n" },
		{ "send fds=7 data=A5FF", "send fd=7 data=a5ff\n" },
		{ "fd size=0X10 3 memfd", "fd 3 memfd size=0x10\n" },
		{ "fd 3 kind=2", "fd 3 pipe\n" },
		{ "fd 019 memfd", "fd 19 memfd\n" },
		{ "bytes=00ff", "bytes data=00ff\n" },
		{ "bytes", "" },
		{ "config sizes=1:16 request=0x2c", "config sizes=1:0x10\n" },
		{ "session features=1073741824", "session features=0x40000000\n" },
		{ "add_region size=18446744073709551615", "add_region size=0xffffffffffffffff\n" },
		{ "", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vsf_buf b = text_to_bin(cases[i].loose);
		char *s = bin_to_text(b.data, b.len);

		drop_comments(s);
		CHECK(!strcmp(s, cases[i].canonical));
		if (strcmp(s, cases[i].canonical))
			fprintf(stderr, "  in: %s\n  want: %s  got:  %s", cases[i].loose,
				cases[i].canonical, s);
		free(s);
		free(b.data);
	}
}

TEST(parse_errors)
{
	static char long_data[2 * (VSF_PROG_MAX_DATA + 1) + 32];
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "connect\n\nfoo", "line 3: unknown op 'foo'" },
		{ "# c\nmap shmid=300", "line 2: shmid=300 out of range (max 255)" },
		{ "send chunk=70000", "line 1: chunk=70000 out of range (max 65535)" },
		{ "reset\nmap bogus=1", "line 2: unknown key 'bogus' for map" },
		{ "session size=1", "line 1: unknown key 'size' for session" },
		{ "add_region size=12x", "line 1: bad number '12x' for size" },
		{ "add_region size=-1", "line 1: bad number '-1' for size" },
		{ "add_region size= 1", "line 1: bad number '' for size" },
		{ "add_region size=18446744073709551616", "line 1: size=18446744073709551616 out of range" },
		{ "session features=0x", "line 1: bad number '0x' for features" },
		{ "session features=0x0x5", "line 1: bad number '0x0x5' for features" },
		{ "session features=0x10000000000000000", "line 1: features=0x10000000000000000 out of range" },
		{ "fd size=0x10", "line 1: fd needs a handle" },
		{ "fd", "line 1: fd needs a handle" },
		{ "fd 3", "line 1: fd needs a kind" },
		{ "fd 3 banana", "line 1: unknown kind 'banana' for fd" },
		{ "fault mmap brk", "line 1: unknown call 'brk' for fault" },
		{ "fault mmap call=3", "line 1: call given twice" },
		{ "fault poll errno=EFOO", "line 1: bad number 'EFOO' for errno" },
		{ "answer value=1", "line 1: answer needs a request" },
		{ "answer GET_BANANA", "line 1: unknown request 'GET_BANANA' for answer" },
		{ "answer GET_CONFIG SET_OWNER", "line 1: request given twice" },
		{ "answer GET_CONFIG withhold cut", "line 1: form given twice" },
		{ "wait GET_CONFIG nth=256", "line 1: nth=256 out of range" },
		{ "fault poll after=256", "line 1: after=256 out of range" },
		{ "fd 3 memfd pipe", "line 1: kind given twice" },
		{ "fd 256 memfd", "line 1: fd handle=256 out of range" },
		{ "fd 3 memfd size=0x100000000", "line 1: size=0x100000000 out of range (max 4294967295)" },
		{ "fd 1 memfd seals=256", "line 1: seals=256 out of range" },
		{ "config nregions=4294967296", "line 1: nregions=4294967296 out of range" },
		{ "send fds=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,0", "line 1: more than 32 fd handles" },
		{ "send fds=1,,2", "line 1: bad number '' for fds" },
		{ "send fds=1,", "line 1: bad number '' for fds" },
		{ "send fds=", "line 1: bad number '' for fds" },
		{ "config sizes=", "line 1: size pair '' is not SHMID:SIZE" },
		{ "send fd=1,2", "line 1: fd= takes one handle" },
		{ "send fd=1 fds=2", "line 1: fd/fds given twice" },
		{ "send fds=256", "line 1: fds=256 out of range" },
		{ "send data=abc", "line 1: data has an odd number of hex digits" },
		{ "send data=zz", "line 1: bad hex digit in data at 'zz'" },
		{ "map rw ro", "line 1: mflags/rw/ro given twice" },
		{ "map rw mflags=1", "line 1: mflags/rw/ro given twice" },
		{ "map shmid=1 shmid=2", "line 1: shmid given twice" },
		{ "map need_reply need_reply", "line 1: need_reply given twice" },
		{ "unmap hflags=0x100000000", "line 1: hflags=0x100000000 out of range" },
		{ "connect now", "line 1: unexpected 'now' for connect" },
		{ "session rw", "line 1: unexpected 'rw' for session" },
		{ "config sizes=1", "line 1: size pair '1' is not SHMID:SIZE" },
		{ "config sizes=300:1", "line 1: sizes shmid=300 out of range" },
		{ "config sizes=1:x", "line 1: bad number 'x' for sizes size" },
		{ "bytes data=00 data=11", "line 1: data given twice" },
		{ "bytes size=1", "line 1: unknown key 'size' for bytes" },
		{ "session features=0x3a504f1e", "line 1: session encodes the record marker" },
		{ "send data=001e4f503a", "line 1: send encodes the record marker" },
		{ NULL, "line 2: data is 8193 bytes, more than 8192" },
	};
	struct vsf_buf out = { 0 };
	char err[256];

	strcpy(long_data, "reset\nsend data=");
	memset(long_data + strlen(long_data), '0', 2 * (VSF_PROG_MAX_DATA + 1));
	SETUP(vsf_buf_append(&out, "keep", 4) == 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *text = cases[i].text ? cases[i].text : long_data;
		int ret = vsf_program_parse_text(text, &out, err, sizeof(err));

		CHECK_EQ(ret, -EINVAL);
		CHECK(!strncmp(err, cases[i].err, strlen(cases[i].err)));
		if (strncmp(err, cases[i].err, strlen(cases[i].err)))
			fprintf(stderr, "  text: %.60s\n  want: %s\n  got:  %s\n", text,
				cases[i].err, err);
		/* nothing of a failed parse is left in out */
		CHECK_EQ(out.len, 4);
	}
	/* a tiny error buffer is not overrun, and NULL is fine */
	CHECK_EQ(vsf_program_parse_text("foo", &out, err, 3), -EINVAL);
	CHECK(!strcmp(err, "li"));
	CHECK_EQ(vsf_program_parse_text("foo", &out, NULL, 0), -EINVAL);
	CHECK_EQ(out.len, 4);
	free(out.data);
}

TEST(encode_rejects_invalid)
{
	struct vsf_buf out = { 0 };
	struct vsf_op op = { .code = (enum vsf_op_code)0x42 };
	uint8_t big[VSF_PROG_MAX_DATA + 1] = { 0 };

	CHECK_EQ(vsf_op_encode(&op, &out), -EINVAL);
	op = (struct vsf_op){ .code = VSF_OP_SEND, .nfds = VSF_PROG_MAX_OP_FDS + 1, .handles = big };
	CHECK_EQ(vsf_op_encode(&op, &out), -EINVAL);
	op = (struct vsf_op){ .code = VSF_OP_MAP, .nfds = VSF_PROG_MAX_OP_FDS + 1, .handles = big };
	CHECK_EQ(vsf_op_encode(&op, &out), -EINVAL);
	op = (struct vsf_op){ .code = VSF_OP_FD, .data = big, .data_len = sizeof(big) };
	CHECK_EQ(vsf_op_encode(&op, &out), -EINVAL);
	op = (struct vsf_op){ .code = VSF_OP_CONFIG };
	op.config.npairs = VSF_PROG_MAX_SIZES + 1;
	op.config.pairs = big;
	CHECK_EQ(vsf_op_encode(&op, &out), -EINVAL);
	CHECK_EQ(out.len, 0);
	free(out.data);
}

/* A raw send prints its messages, decoded, as comments after it. */
TEST(send_messages_as_comments)
{
	static const char *const cases[][2] = {
		{ "send fd=0 data=090000000900000028000000000000000000000000001000000000000020000000000000"
		  "001000000000000001000000000000000a0000000100000028000000",
		  "send fd=0 data=090000000900000028000000000000000000000000001000000000000020000000000000"
		  "001000000000000001000000000000000a0000000100000028000000\n"
		  "#   message 1: SHMEM_MAP (9) flags 0x9 size 40: shmid 0 fd_offset 0x100000 "
		  "shm_offset 0x2000 len 0x1000 flags 0x1\n"
		  "#   message 2: SHMEM_UNMAP (10) flags 0x1 size 40, cut short: 0 payload bytes follow\n" },
		{ "send data=0900000009", "send data=0900000009\n#   message 1: 5 bytes, less than a header\n" },
		{ "send data=63000000010000000000000001000000010000000000000000",
		  "send data=63000000010000000000000001000000010000000000000000\n"
		  "#   message 1: unknown request (99) flags 0x1 size 0\n"
		  "#   message 2: IOTLB_MSG (1) flags 0x1 size 0\n"
		  "#   message 3: 1 bytes, less than a header\n" },
		{ "send fd=1", "send fd=1\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vsf_buf b = text_to_bin(cases[i][0]);
		char *back = bin_to_text(b.data, b.len);

		if (strcmp(back, cases[i][1]))
			fprintf(stderr, "  in:  %s\n  out: %s  want: %s", cases[i][0], back,
				cases[i][1]);
		CHECK(!strcmp(back, cases[i][1]));
		free(back);
		free(b.data);
	}
}

TEST(names)
{
	static const char *const kinds[] = {
		"memfd", "rofile", "pipe", "eventfd", "socket", "devzero", "dir", "opath",
	};

	for (unsigned k = 0; k < VSF_FD_KIND_COUNT; k++)
		CHECK(!strcmp(vsf_fd_kind_name(k), kinds[k]));
	CHECK(vsf_fd_kind_name(VSF_FD_KIND_COUNT) == NULL);
	CHECK(!strcmp(vsf_op_name(VSF_OP_ADD_REGION), "add_region"));
	CHECK(!strcmp(vsf_op_name(VSF_OP_BYTES), "bytes"));
	CHECK(vsf_op_name((enum vsf_op_code)0) == NULL);
}
