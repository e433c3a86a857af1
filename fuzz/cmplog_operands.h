/* SPDX-License-Identifier: MIT */
/*
 * The operands of the comparisons AFL++'s CMPLOG binary logged, read by the
 * custom mutator library (mutator_afl.c) inside afl-fuzz, for field values.
 *
 * afl-fuzz -c puts the SysV id of its comparison map in its own environment
 * (__AFL_CMPLOG_SHM_ID) for the CMPLOG binary to inherit, so a library it
 * loaded can attach the same map, read-only. Its CMPLOG stage runs on a
 * queue entry before the custom stage does: at the custom stage the map
 * holds the comparisons of that entry's last CMPLOG run (an earlier
 * entry's when AFL++ skipped the stage). The map's layout is AFL++'s, not
 * an API: this reads AFL++ 4.04c's (Debian 12's afl++) and leaves a map of
 * any other size alone.
 */
#ifndef VSF_CMPLOG_OPERANDS_H
#define VSF_CMPLOG_OPERANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* AFL++ 4.04c's struct cmp_map: 8-byte headers, then the operand pairs. */
#define CMPLOG_MAP_W       65536
#define CMPLOG_MAP_H       32
#define CMPLOG_HEADER_SIZE 8
#define CMPLOG_PAIR_SIZE   32 /* u64 v0, v1, v0_128, v1_128 */
#define CMPLOG_MAP_SIZE    (CMPLOG_MAP_W * CMPLOG_HEADER_SIZE + \
			    (size_t)CMPLOG_MAP_W * CMPLOG_MAP_H * CMPLOG_PAIR_SIZE)
/* A header's bit fields: hits 0-23, id 24-47, shape (width - 1) 48-52, type 53-54. */
#define CMPLOG_TYPE_INS    1 /* an integer comparison (2: a routine's memory) */
/* The distinct operands kept from one read of the map. */
#define CMPLOG_MAX_OPERANDS 4096

/* Zeroed: no map attached yet. */
struct cmplog_operands {
	const uint8_t *map; /* NULL: no map to read */
	bool tried;         /* the map was looked for */
	bool said;          /* the first table read was reported */
	uint64_t values[CMPLOG_MAX_OPERANDS];
	size_t n;
};

/*
 * The table from the map as it is now: the distinct operands of its integer
 * comparisons. The first call attaches the map the environment names (afl-fuzz
 * names it only after it loaded the library) and says on stderr what it found;
 * without a map (afl-fuzz without -c), or with one of another layout, the
 * table stays empty.
 */
void cmplog_operands_refresh(struct cmplog_operands *t);
void cmplog_operands_close(struct cmplog_operands *t);

#endif
