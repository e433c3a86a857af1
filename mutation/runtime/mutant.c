/* SPDX-License-Identifier: MIT */
/* The generated mutants' switch and reached counters (mutant.h). */
#define _GNU_SOURCE
#include "mutant.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t *reached;
static long active = -1; /* the mutant switched on, or -1 */

static size_t counts_size(void)
{
	return sizeof(struct vsf_mutant_counts) + sizeof(uint64_t) * vsf_mutant_count;
}

/*
 * The counts in the file at path, mapped shared; NULL (with a warning) when
 * it cannot be used. The fd is closed at once: the harness counts its fds.
 */
static struct vsf_mutant_counts *map_counts_file(const char *path)
{
	struct vsf_mutant_counts *c = MAP_FAILED;
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd >= 0 && fstat(fd, &st) == 0 &&
	    (st.st_size >= (off_t)counts_size() || ftruncate(fd, counts_size()) == 0))
		c = mmap(NULL, counts_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c == MAP_FAILED) {
		fprintf(stderr, "vsf mutant: %s: %s; counting in memory\n", path, strerror(errno));
		c = NULL;
	} else if (st.st_size == 0 || !c->magic[0]) {
		memcpy(c->magic, VSF_MUTANT_COUNTS_MAGIC, sizeof(c->magic));
		c->count = vsf_mutant_count;
	} else if (memcmp(c->magic, VSF_MUTANT_COUNTS_MAGIC, sizeof(c->magic)) ||
		   c->count != vsf_mutant_count) {
		fprintf(stderr, "vsf mutant: %s is not a counts file of this build; counting in memory\n",
			path);
		munmap(c, counts_size());
		c = NULL;
	}
	if (fd >= 0)
		close(fd);
	return c;
}

/* A mutant id that does not exist is a mistake in the run's set-up: stop. */
static void mutant_init(void)
{
	const char *id = getenv("VSF_MUTANT");
	const char *path = getenv("VSF_MUTANT_COUNTS");
	struct vsf_mutant_counts *c = path && *path ? map_counts_file(path) : NULL;

	if (id && *id) {
		for (unsigned i = 0; i < vsf_mutant_count; i++)
			if (!strcmp(id, vsf_mutant_ids[i]))
				active = i;
		if (active < 0) {
			fprintf(stderr, "vsf mutant: VSF_MUTANT=%s names no mutant of this build\n", id);
			abort();
		}
	}
	reached = c ? c->reached : calloc(vsf_mutant_count + 1, sizeof(*reached));
	if (!reached)
		abort();
}

bool vsf_mutant_on(unsigned k)
{
	if (!reached)
		mutant_init();
	__atomic_add_fetch(&reached[k], 1, __ATOMIC_RELAXED);
	return (long)k == active;
}

bool vsf_mutant_cond(unsigned k, bool v)
{
	if (vsf_mutant_on(k))
		return !v;
	if (vsf_mutant_on(k + 1))
		return true;
	if (vsf_mutant_on(k + 2))
		return false;
	return v;
}
