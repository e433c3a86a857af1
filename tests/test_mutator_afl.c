/* SPDX-License-Identifier: MIT */
/*
 * AFL++'s adapter of the program mutator (fuzz/mutator_afl.c): every call
 * hands back a changed input of 1..max_size bytes, also when no program
 * mutation fits (AFL++ 4.04 aborts a campaign on a size of 0); the
 * operands of a CMPLOG map land in fields of well-formed programs.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>

#include "cmplog_operands.h"
#include "program_checks.h"
#include "vsf_test.h"

void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
		       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);
uint8_t afl_custom_queue_get(void *data, const uint8_t *filename);

static void check_call(void *am, uint8_t *buf, size_t n, size_t max_size)
{
	uint8_t *out = NULL;
	uint8_t *before = malloc(n ? n : 1);
	size_t got;

	SETUP(before);
	memcpy(before, buf, n);
	got = afl_custom_fuzz(am, buf, n, &out, NULL, 0, max_size);
	CHECK(got > 0 && got <= max_size);
	CHECK(out != NULL);
	if (out && got == n)
		CHECK(memcmp(out, before, n) != 0);
	free(before);
}

TEST(always_a_changed_input)
{
	void *am = afl_custom_init(NULL, 7);
	uint8_t buf[64];

	SETUP(am);
	/* Empty, tiny, garbage, and inputs at the size limit (nothing fits). */
	check_call(am, buf, 0, 1 << 20);
	for (unsigned i = 0; i < 2000; i++) {
		size_t n = 1 + rand() % sizeof(buf);

		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)rand();
		check_call(am, buf, n, 1 << 20);
		check_call(am, buf, n, n);
		check_call(am, buf, n, 1);
	}
	afl_custom_deinit(am);
}

/* ---- a CMPLOG map, as afl-fuzz -c makes it ---- */

/* Integer operands no mutation of ours makes, and a routine's bytes. */
static const uint8_t logged[] = { 0x42, 0xee, 0xff, 0xc0 };     /* 0xc0ffee42 */
static const uint8_t logged_later[] = { 0xfe, 0xca, 0xad, 0x0b }; /* 0x0badcafe */
static const uint8_t routine[] = { 0x0d, 0xf0, 0xad, 0x8b };     /* memcmp bytes */

/* Comparison k of the map: its header (hits, width, type) and operand pair i. */
static void log_cmp(uint8_t *map, size_t k, size_t i, uint64_t hits, uint64_t type, uint64_t v0,
		    uint64_t v1)
{
	uint64_t h = hits | (7ull << 48) /* 8 bytes wide */ | type << 53;
	uint8_t *pair = map + CMPLOG_MAP_W * CMPLOG_HEADER_SIZE +
			(k * CMPLOG_MAP_H + i) * CMPLOG_PAIR_SIZE;

	memcpy(map + k * CMPLOG_HEADER_SIZE, &h, sizeof(h));
	memcpy(pair, &v0, 8);
	memcpy(pair + 8, &v1, 8);
}

/* A SysV segment of size bytes named in afl-fuzz's variable; its address. */
static uint8_t *make_map(size_t size, int *id)
{
	char name[32];
	uint8_t *map;

	*id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
	SETUP(*id >= 0);
	map = shmat(*id, NULL, 0);
	SETUP(map != (void *)-1);
	snprintf(name, sizeof(name), "%d", *id);
	SETUP(setenv("__AFL_CMPLOG_SHM_ID", name, 1) == 0);
	return map;
}

static void drop_map(uint8_t *map, int id)
{
	shmdt(map);
	shmctl(id, IPC_RMID, NULL);
	unsetenv("__AFL_CMPLOG_SHM_ID");
}

/* Of calls outputs (a queue entry picked before the first when pick), how
 * many carry want (or want ± 1); every one that does is a well-formed program, and none
 * carries the routine's bytes. */
static unsigned carrying(void *am, const uint8_t *want, unsigned calls, bool pick)
{
	static const char text[] = "config nregions=2 sizes=0:0x10000,3:0x4000\n"
				   "fd 1 memfd size=0x4000 seals=0x8 data=0102\n"
				   "map shmid=3 fd=1 shm_offset=0x1000 len=0x2000 ro need_reply\n";
	static uint8_t start[4096], buf[4096];
	size_t size = program_from_text(text, start, sizeof(start));
	unsigned found = 0;

	if (pick)
		CHECK_EQ(afl_custom_queue_get(am, (const uint8_t *)"queue/id:000001"), 1);
	for (unsigned i = 0; i < calls; i++) {
		uint8_t *out = NULL;
		size_t n;

		memcpy(buf, start, size);
		n = afl_custom_fuzz(am, buf, size, &out, NULL, 0, sizeof(buf));
		SETUP(out && n);
		CHECK(!memmem(out, n, routine, sizeof(routine)));
		if (!memmem(out, n, want + 1, 3)) /* the operand, or one off it */
			continue;
		found++;
		check_program_round_trips(out, n, sizeof(buf), true);
	}
	return found;
}

TEST(cmplog_operands_land_in_fields)
{
	int id;
	uint8_t *map = make_map(CMPLOG_MAP_SIZE, &id);
	void *am;
	unsigned first, stale, fresh;

	log_cmp(map, 7, 0, 2, CMPLOG_TYPE_INS, 0xc0ffee42, 0x1000);
	log_cmp(map, 7, 1, 2, CMPLOG_TYPE_INS, 0x2000, 0xc0ffee42);
	log_cmp(map, 9, 0, 1, 2 /* a routine's memory */, 0x8badf00d, 0x8badf00d);
	SETUP((am = afl_custom_init(NULL, 3)));
	first = carrying(am, logged, 2000, true);
	/* A CMPLOG run on the next entry: read when AFL++ picks that entry. */
	log_cmp(map, 7, 0, 2, CMPLOG_TYPE_INS, 0x0badcafe, 0x1000);
	log_cmp(map, 7, 1, 2, CMPLOG_TYPE_INS, 0x2000, 0x0badcafe);
	stale = carrying(am, logged_later, 500, false);
	fresh = carrying(am, logged_later, 2000, true);
	printf("the logged operand in %u of 2000 programs; the next entry's in %u of 500 before it "
	       "was picked, %u of 2000 after\n", first, stale, fresh);
	CHECK(first >= 30);
	CHECK_EQ(stale, 0);
	CHECK(fresh >= 30);
	CHECK_EQ(carrying(am, logged, 2000, true), 0);
	afl_custom_deinit(am);
	drop_map(map, id);
}

/* Without a map, or with one of another layout than AFL++ 4.04c's, no operand. */
TEST(no_cmplog_map_no_operands)
{
	int id;
	uint8_t *map = make_map(CMPLOG_MAP_SIZE + 4096, &id);
	void *am;

	log_cmp(map, 7, 0, 2, CMPLOG_TYPE_INS, 0xc0ffee42, 0xc0ffee42);
	SETUP((am = afl_custom_init(NULL, 3)));
	CHECK_EQ(carrying(am, logged, 2000, true), 0);
	afl_custom_deinit(am);
	drop_map(map, id);
	SETUP((am = afl_custom_init(NULL, 3)));
	CHECK_EQ(carrying(am, logged, 2000, true), 0);
	afl_custom_deinit(am);
}
