/* SPDX-License-Identifier: MIT */
/*
 * The canary switch and the Magma-style counters (canary.h). Compiled only
 * into canary builds (-DVSF_CANARIES), whose copy of src/ mutation/schema.py
 * writes with each canary's description (corpus/canaries/HARNESS/NAME.mutant).
 */
#define _GNU_SOURCE
#include "canary.h"
#include "switches.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const canary_names[VSF_CANARY_COUNT] = {
#define VSF_CANARY_NAME(id, name) [VSF_CANARY_##id] = name,
	VSF_CANARY_LIST(VSF_CANARY_NAME)
#undef VSF_CANARY_NAME
};

_Static_assert(sizeof(((struct vsf_canary_counter *)0)->name) > sizeof("no-reply-on-error"),
	       "every canary name fits a counter's name field");

static struct vsf_canary_counts local_counts;
static struct vsf_canary_counts *counts;
static int active = -1; /* the canary switched on, or -1 */

static void counts_header(void *p)
{
	struct vsf_canary_counts *c = p;

	memcpy(c->magic, VSF_CANARY_COUNTS_MAGIC, sizeof(c->magic));
	c->count = VSF_CANARY_COUNT;
	for (int i = 0; i < VSF_CANARY_COUNT; i++)
		strncpy(c->counter[i].name, canary_names[i], sizeof(c->counter[i].name) - 1);
}

/* Read the environment once. */
static void canary_init(void)
{
	const char *path = getenv("VSF_CANARY_COUNTS");

	active = (int)vsf_switch_from_env("VSF_CANARY", canary_names, VSF_CANARY_COUNT, "canary");
	counts_header(&local_counts);
	counts = path && *path ? vsf_counts_file_map(path, sizeof(*counts), VSF_CANARY_COUNTS_MAGIC,
						     VSF_CANARY_COUNT, counts_header, "canary")
			       : NULL;
	if (!counts)
		counts = &local_counts;
}

bool vsf_canary_hit(enum vsf_canary_id id, bool triggered)
{
	if (!counts)
		canary_init();
	__atomic_add_fetch(&counts->counter[id].reached, 1, __ATOMIC_RELAXED);
	if (triggered)
		__atomic_add_fetch(&counts->counter[id].triggered, 1, __ATOMIC_RELAXED);
	return triggered && (int)id == active;
}

static void print_counts(const struct vsf_canary_counts *c, FILE *out)
{
	for (uint32_t i = 0; i < c->count && i < VSF_CANARY_COUNT; i++)
		if (c->counter[i].reached)
			fprintf(out, "==vsf== canary %-18s reached %llu triggered %llu\n",
				c->counter[i].name, (unsigned long long)c->counter[i].reached,
				(unsigned long long)c->counter[i].triggered);
}

void vsf_canary_report(FILE *out)
{
	if (!counts)
		canary_init();
	fprintf(out, "==vsf== canary switched on: %s\n", active >= 0 ? canary_names[active] : "none");
	print_counts(counts, out);
}

int vsf_canary_print_file(const char *path, FILE *out)
{
	struct vsf_canary_counts c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, &c, sizeof(c));
	int ret = n < 0 ? -errno : 0;

	if (fd >= 0)
		close(fd);
	if (ret < 0)
		return ret;
	if (n != (ssize_t)sizeof(c) || memcmp(c.magic, VSF_CANARY_COUNTS_MAGIC, sizeof(c.magic)))
		return -EINVAL;
	print_counts(&c, out);
	return 0;
}
