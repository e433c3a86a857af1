/* SPDX-License-Identifier: MIT */
/* The comparison operands of AFL++'s CMPLOG map (cmplog_operands.h). */
#include "cmplog_operands.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>

#define CMPLOG_SHM_ENV "__AFL_CMPLOG_SHM_ID"

static void attach(struct cmplog_operands *t)
{
	const char *id = getenv(CMPLOG_SHM_ENV);
	struct shmid_ds ds;
	void *map;

	t->tried = true;
	if (!id || !*id) {
		fprintf(stderr, "vsf: no CMPLOG map (afl-fuzz without -c): field values without "
				"comparison operands\n");
		return;
	}
	if (shmctl(atoi(id), IPC_STAT, &ds) < 0 || ds.shm_segsz != CMPLOG_MAP_SIZE) {
		fprintf(stderr, "vsf: the CMPLOG map %s is not AFL++ 4.04c's (%zu bytes): not read\n",
			id, (size_t)CMPLOG_MAP_SIZE);
		return;
	}
	map = shmat(atoi(id), NULL, SHM_RDONLY);
	if (map == (void *)-1) {
		perror("vsf: shmat of the CMPLOG map");
		return;
	}
	t->map = map;
	fprintf(stderr, "vsf: field values also from the comparison operands CMPLOG logs (map %s)\n",
		id);
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort the table and keep each value once: a loop's comparison logs the same
 * constant at every turn. */
static void compact(struct cmplog_operands *t)
{
	size_t i, kept;

	qsort(t->values, t->n, sizeof(t->values[0]), by_value);
	for (i = kept = 0; i < t->n; i++)
		if (!kept || t->values[kept - 1] != t->values[i])
			t->values[kept++] = t->values[i];
	t->n = kept;
}

/* false when the table is full of distinct values */
static bool add(struct cmplog_operands *t, uint64_t v)
{
	if (t->n == CMPLOG_MAX_OPERANDS)
		compact(t);
	if (t->n == CMPLOG_MAX_OPERANDS)
		return false;
	t->values[t->n++] = v;
	return true;
}

void cmplog_operands_refresh(struct cmplog_operands *t)
{
	const uint8_t *pairs;
	bool room = true;

	if (!t->tried)
		attach(t);
	if (!t->map)
		return;
	/* The map changes only during a CMPLOG run, and afl-fuzz makes none
	 * while its custom stage runs. */
	pairs = t->map + CMPLOG_MAP_W * CMPLOG_HEADER_SIZE;
	t->n = 0;
	for (size_t k = 0; k < CMPLOG_MAP_W && room; k++) {
		uint64_t h, hits, width;

		memcpy(&h, t->map + k * CMPLOG_HEADER_SIZE, sizeof(h));
		hits = h & 0xffffff;
		if (!hits || ((h >> 53) & 3) != CMPLOG_TYPE_INS)
			continue;
		width = ((h >> 48) & 0x1f) + 1;
		for (size_t i = 0; i < hits && i < CMPLOG_MAP_H && room; i++) {
			const uint8_t *p = pairs + (k * CMPLOG_MAP_H + i) * CMPLOG_PAIR_SIZE;
			uint64_t v0, v1, mask = width >= 8 ? ~0ull : (1ull << (8 * width)) - 1;

			memcpy(&v0, p, 8);
			memcpy(&v1, p + 8, 8);
			room = add(t, v0 & mask) && add(t, v1 & mask);
		}
	}
	compact(t);
	if (t->n && !t->said) {
		t->said = true;
		fprintf(stderr, "vsf: %zu comparison operands in the CMPLOG map\n", t->n);
	}
}

void cmplog_operands_close(struct cmplog_operands *t)
{
	if (t->map)
		shmdt(t->map);
	memset(t, 0, sizeof(*t));
}
